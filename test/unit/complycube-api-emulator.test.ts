/**
 * The ComplyCube API contract, over plain HTTP, run against the emulator. Written against the
 * documented contract only (PROVIDERS.md, "The REST API"), so the same cases describe what the
 * client may rely on from the real API.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ComplyCubeApiEmulator,
  type ComplyCubeApiEmulatorOptions,
  startComplyCubeApiEmulator,
} from '../../local/complycube-api-emulator/emulator.js';

let api: ComplyCubeApiEmulator | undefined;

async function start(options: ComplyCubeApiEmulatorOptions = {}): Promise<ComplyCubeApiEmulator> {
  api = await startComplyCubeApiEmulator({ rateLimit: false, ...options });
  return api;
}

afterEach(async () => {
  await api?.close();
  api = undefined;
});

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

async function call(
  emulator: ComplyCubeApiEmulator,
  method: string,
  path: string,
  body?: unknown,
  key: string | null = emulator.apiKey,
): Promise<Answer> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: {
      ...(key === null ? {} : { authorization: key }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    text,
  };
}

const hook = (n = 1) => ({
  url: `https://example.com/hook/${n}`,
  events: ['check.completed'],
  enabled: true,
});

describe('the ComplyCube API emulator: authentication', () => {
  it('refuses a request without an Authorization header with 401', async () => {
    const emulator = await start();
    const answer = await call(emulator, 'GET', '/webhooks', undefined, null);
    expect(answer.status).toBe(401);
  });

  it('refuses an unknown key with 401 and does not echo it', async () => {
    const emulator = await start();
    const wrong = 'test_wrongkey1234567890';
    const answer = await call(emulator, 'GET', '/webhooks', undefined, wrong);
    expect(answer.status).toBe(401);
    expect(answer.text).not.toContain(wrong);
  });

  it('refuses a valid key sent as a Bearer token: the header is the bare key', async () => {
    const emulator = await start();
    const answer = await call(emulator, 'GET', '/webhooks', undefined, `Bearer ${emulator.apiKey}`);
    expect(answer.status).toBe(401);
  });

  it('accepts each configured key, test_ and live_', async () => {
    const emulator = await start({ apiKeys: ['test_aaaaaaaaaaaa', 'live_bbbbbbbbbbbb'] });
    expect((await call(emulator, 'GET', '/webhooks', undefined, 'test_aaaaaaaaaaaa')).status).toBe(200);
    expect((await call(emulator, 'GET', '/webhooks', undefined, 'live_bbbbbbbbbbbb')).status).toBe(200);
  });
});

describe('the ComplyCube API emulator: webhooks', () => {
  it('shows the secret in the answer to the create and never again', async () => {
    const emulator = await start();
    const created = await call(emulator, 'POST', '/webhooks', hook());
    expect(created.status).toBe(201);
    expect(typeof created.body.secret).toBe('string');
    const id = String(created.body.id);
    const got = await call(emulator, 'GET', `/webhooks/${id}`);
    const listed = await call(emulator, 'GET', '/webhooks');
    const updated = await call(emulator, 'POST', `/webhooks/${id}`, { enabled: false });
    for (const answer of [got, listed, updated]) {
      expect(answer.status).toBe(200);
      expect(answer.text).not.toContain(String(created.body.secret));
      expect(answer.text).not.toContain('"secret"');
    }
  });

  it('updates only the fields given', async () => {
    const emulator = await start();
    const created = await call(emulator, 'POST', '/webhooks', { ...hook(), description: 'receiver' });
    const id = String(created.body.id);
    const updated = await call(emulator, 'POST', `/webhooks/${id}`, { events: ['client.created'] });
    expect(updated.body).toMatchObject({
      id,
      url: 'https://example.com/hook/1',
      enabled: true,
      description: 'receiver',
      events: ['client.created'],
    });
  });

  it('deletes a webhook, after which it is 404', async () => {
    const emulator = await start();
    const id = String((await call(emulator, 'POST', '/webhooks', hook())).body.id);
    expect((await call(emulator, 'DELETE', `/webhooks/${id}`)).status).toBe(204);
    expect((await call(emulator, 'GET', `/webhooks/${id}`)).status).toBe(404);
    expect(emulator.state.webhooks).toHaveLength(0);
  });

  it('refuses a webhook URL that is not https with 400', async () => {
    const emulator = await start();
    const answer = await call(emulator, 'POST', '/webhooks', { ...hook(), url: 'http://example.com/hook' });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/HTTPS/);
    expect(emulator.state.webhooks).toHaveLength(0);
  });

  it('refuses an http loopback URL unless started with the emulator-only allowance', async () => {
    const strict = await start();
    const loopback = { ...hook(), url: 'http://127.0.0.1:9999/' };
    expect((await call(strict, 'POST', '/webhooks', loopback)).status).toBe(400);
    await strict.close();
    const lenient = await start({ allowHttpLoopbackWebhookUrls: true });
    expect((await call(lenient, 'POST', '/webhooks', loopback)).status).toBe(201);
    expect((await call(lenient, 'POST', '/webhooks', { ...hook(), url: 'http://example.com/' })).status).toBe(
      400,
    );
  });

  it('allows 20 webhooks and refuses the 21st', async () => {
    const emulator = await start();
    for (let n = 1; n <= 20; n++)
      expect((await call(emulator, 'POST', '/webhooks', hook(n))).status).toBe(201);
    const refused = await call(emulator, 'POST', '/webhooks', hook(21));
    expect(refused.status).toBe(422);
    expect(refused.body.message).toMatch(/maximum number of webhooks \(20\)/);
    expect(emulator.state.webhooks).toHaveLength(20);
  });

  it('pages the webhook list with page, pageSize, totalItems and pages', async () => {
    const emulator = await start();
    for (let n = 1; n <= 5; n++) await call(emulator, 'POST', '/webhooks', hook(n));
    const second = await call(emulator, 'GET', '/webhooks?page=2&pageSize=2');
    expect(second.body).toMatchObject({ page: 2, pageSize: 2, totalItems: 5, pages: 3 });
    expect(second.body.items).toHaveLength(2);
    const third = await call(emulator, 'GET', '/webhooks?page=3&pageSize=2');
    expect(third.body.items).toHaveLength(1);
  });

  it('refuses a pageSize above 1000 with 400', async () => {
    const emulator = await start();
    expect((await call(emulator, 'GET', '/webhooks?pageSize=1001')).status).toBe(400);
    expect((await call(emulator, 'GET', '/webhooks?pageSize=1000')).status).toBe(200);
  });

  it('shows a webhook disabled on demand as enabled: false', async () => {
    const emulator = await start();
    const id = String((await call(emulator, 'POST', '/webhooks', hook())).body.id);
    emulator.disableWebhook(id);
    expect((await call(emulator, 'GET', `/webhooks/${id}`)).body.enabled).toBe(false);
    expect(emulator.state.webhooks[0]?.enabled).toBe(false);
  });
});

describe('the ComplyCube API emulator: rate limit and faults', () => {
  it('answers 429 past 5 requests in a second for a test_ key', async () => {
    const t = 1_800_000_000_000;
    const emulator = await start({ rateLimit: { test: 5, live: 10 }, now: () => t });
    const statuses: number[] = [];
    for (let n = 0; n < 6; n++) statuses.push((await call(emulator, 'GET', '/webhooks')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('allows 10 requests in a second for a live_ key', async () => {
    const t = 1_800_000_000_000;
    const emulator = await start({
      apiKeys: ['live_cccccccccccc'],
      rateLimit: { test: 5, live: 10 },
      now: () => t,
    });
    const statuses: number[] = [];
    for (let n = 0; n < 11; n++) statuses.push((await call(emulator, 'GET', '/webhooks')).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses[10]).toBe(429);
  });

  it('answers the next requests with an injected 5xx, then normally', async () => {
    const emulator = await start();
    emulator.failNext(2, 503);
    const statuses: number[] = [];
    for (let n = 0; n < 3; n++) statuses.push((await call(emulator, 'GET', '/webhooks')).status);
    expect(statuses).toEqual([503, 503, 200]);
  });

  it('can carry a create out and still answer 500, as a lost answer', async () => {
    const emulator = await start();
    emulator.failNext(1, 500, { method: 'POST', pathPrefix: '/webhooks', afterHandling: true });
    expect((await call(emulator, 'POST', '/webhooks', hook())).status).toBe(500);
    expect(emulator.state.webhooks).toHaveLength(1);
  });
});

describe('the ComplyCube API emulator: lists', () => {
  it('lists checks newest first with time and field filters', async () => {
    const emulator = await start();
    const client = emulator.createObject('clients', {
      type: 'person',
      createdAt: '2026-12-01T00:00:00.000Z',
    });
    const old = emulator.createObject('checks', {
      clientId: client.id,
      status: 'complete',
      result: { outcome: 'clear' },
      createdAt: '2026-12-01T10:00:00.000Z',
    });
    const recent = emulator.createObject('checks', {
      clientId: client.id,
      status: 'complete',
      result: { outcome: 'attention' },
      createdAt: '2026-12-02T10:00:00.000Z',
    });
    emulator.createObject('checks', {
      clientId: 'other',
      status: 'pending',
      createdAt: '2026-12-03T10:00:00.000Z',
    });

    const all = await call(emulator, 'GET', '/checks');
    expect((all.body.items as Array<{ createdAt: string }>).map((i) => i.createdAt)).toEqual([
      '2026-12-03T10:00:00.000Z',
      '2026-12-02T10:00:00.000Z',
      '2026-12-01T10:00:00.000Z',
    ]);
    const clear = await call(emulator, 'GET', `/checks?clientId=${client.id}&result.outcome=clear`);
    expect((clear.body.items as Array<{ id: string }>).map((i) => i.id)).toEqual([old.id]);
    const since = await call(
      emulator,
      'GET',
      `/checks?status=complete&createdAfter=2026-12-01T12:00:00.000Z`,
    );
    expect((since.body.items as Array<{ id: string }>).map((i) => i.id)).toEqual([recent.id]);
  });

  it('filters on updatedAfter after an object changes', async () => {
    const emulator = await start();
    const check = emulator.createObject('checks', {
      status: 'pending',
      createdAt: '2026-12-01T10:00:00.000Z',
    });
    emulator.updateObject('checks', check.id, { status: 'complete' }, { at: '2026-12-05T10:00:00.000Z' });
    const changed = await call(emulator, 'GET', '/checks?updatedAfter=2026-12-04T00:00:00.000Z');
    expect(changed.body.items).toEqual([expect.objectContaining({ id: check.id, status: 'complete' })]);
    const before = await call(emulator, 'GET', '/checks?updatedBefore=2026-12-04T00:00:00.000Z');
    expect(before.body.items).toEqual([]);
  });

  it('refuses an unknown filter with 400', async () => {
    const emulator = await start();
    expect((await call(emulator, 'GET', '/checks?outcome=clear')).status).toBe(400);
  });

  it('filters clients on metadata', async () => {
    const emulator = await start();
    const team = emulator.createObject('clients', { type: 'person', metadata: { team: 'kyc' } });
    emulator.createObject('clients', { type: 'person', metadata: { team: 'ops' } });
    const answer = await call(emulator, 'GET', '/clients?metadata.team=kyc');
    expect((answer.body.items as Array<{ id: string }>).map((i) => i.id)).toEqual([team.id]);
  });

  it('lists documents and addresses per client', async () => {
    const emulator = await start();
    const client = emulator.createObject('clients', { type: 'person' });
    const document = emulator.createObject('documents', { clientId: client.id, type: 'passport' });
    emulator.createObject('documents', { clientId: 'someone-else', type: 'passport' });
    const address = emulator.createObject('addresses', { clientId: client.id, type: 'main' });
    const documents = await call(emulator, 'GET', `/clients/${client.id}/documents`);
    const addresses = await call(emulator, 'GET', `/clients/${client.id}/addresses`);
    expect((documents.body.items as Array<{ id: string }>).map((i) => i.id)).toEqual([document.id]);
    expect((addresses.body.items as Array<{ id: string }>).map((i) => i.id)).toEqual([address.id]);
  });

  it('lists workflow sessions with their filters', async () => {
    const emulator = await start();
    const done = emulator.createObject('workflowSessions', { clientId: 'c1', status: 'completed' });
    emulator.createObject('workflowSessions', { clientId: 'c1', status: 'processing' });
    const answer = await call(emulator, 'GET', '/workflowSessions?status=completed');
    expect((answer.body.items as Array<{ id: string }>).map((i) => i.id)).toEqual([done.id]);
  });

  it('writes audit log entries for changes, deletions included, filterable by action', async () => {
    const emulator = await start();
    const client = emulator.createObject('clients', { type: 'person' }, { at: '2026-12-01T00:00:00.000Z' });
    emulator.deleteObject('clients', client.id, { at: '2026-12-02T00:00:00.000Z' });
    const deletions = await call(emulator, 'GET', `/auditLogs?action=delete&resourceId=${client.id}`);
    expect(deletions.body.items).toEqual([
      expect.objectContaining({
        resourceType: 'client',
        resourceId: client.id,
        action: 'delete',
        clientId: client.id,
      }),
    ]);
    expect(emulator.state.auditLogs.map((e) => e.action)).toEqual(['delete', 'create']);
  });
});

describe('the ComplyCube API emulator: control API for other processes', () => {
  it('disables a webhook and injects failures over HTTP, with the same key', async () => {
    const emulator = await start();
    const id = String((await call(emulator, 'POST', '/webhooks', hook())).body.id);
    const base = emulator.url.replace(/\/v1$/, '');
    const post = (path: string, body: unknown, key: string | null = emulator.apiKey) =>
      fetch(`${base}/_emulator${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: key }) },
        body: JSON.stringify(body),
      });
    expect((await post(`/webhooks/${id}/disable`, {}, null)).status).toBe(401);
    expect((await post(`/webhooks/${id}/disable`, {})).status).toBe(204);
    expect(emulator.state.webhooks[0]?.enabled).toBe(false);
    expect((await post('/fail-next', { count: 1, status: 503 })).status).toBe(204);
    expect((await call(emulator, 'GET', '/webhooks')).status).toBe(503);
  });

  it('delivers a signed event to each enabled webhook that takes its type', async () => {
    const { createServer } = await import('node:http');
    const { createHmac } = await import('node:crypto');
    const received: { body: string; signature: string | undefined }[] = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        const signature = request.headers['complycube-signature'];
        received.push({ body, signature: typeof signature === 'string' ? signature : undefined });
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const address = receiver.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const emulator = await start({ allowHttpLoopbackWebhookUrls: true });
      const created = await call(emulator, 'POST', '/webhooks', {
        url: `http://127.0.0.1:${port}/`,
        events: ['check.completed'],
      });
      await call(emulator, 'POST', '/webhooks', {
        url: `http://127.0.0.1:${port}/other`,
        events: ['client.created'],
      });
      const results = await emulator.deliver({ id: 'evt_1', type: 'check.completed' });
      expect(results.map((r) => r.status)).toEqual([200]);
      expect(received).toHaveLength(1);
      const expected = createHmac('sha256', String(created.body.secret))
        .update(received[0]?.body ?? '')
        .digest('hex');
      expect(received[0]?.signature).toBe(expected);
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});
