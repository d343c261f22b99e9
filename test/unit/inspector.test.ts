/**
 * The inspector without a browser: the delivery store ties requests, bus events and subscriber
 * runs together and masks credentials; the HTTP side refuses what a hostile page could send
 * (DNS rebinding, cross-origin, POST without the token); the actions sign, tamper and resend.
 */
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startComplyCubeApiEmulator } from '../../local/complycube-api-emulator/emulator.js';
import { type BusEvent, requestKeys } from '../../local/event-router.js';
import { type FunctionUrlServer, startFunctionUrlServer } from '../../local/function-url-server.js';
import { InspectorActions } from '../../local/inspector/actions.js';
import { complyCubeWebhookPanel } from '../../local/inspector/complycube-panel.js';
import { type CapturedRequest, DeliveryStore, showBody } from '../../local/inspector/delivery-store.js';
import { type RunningInspector, refusal, startInspector } from '../../local/inspector/server.js';
import type { DeliveryRecord } from '../../local/live-log.js';

const SECRET = 'whsec_local_unit';
const BODY = Buffer.from('{"id":"evt_1","type":"check.completed.clear","payload":{"id":"chk_1"}}');

function captured(overrides: Partial<CapturedRequest> = {}): CapturedRequest {
  return {
    requestId: 'req-1',
    receiver: 'complycube',
    url: 'http://127.0.0.1:1/',
    receivedAt: new Date('2026-01-01T10:00:00Z'),
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/json', 'complycube-signature': 'a'.repeat(64) },
    body: BODY,
    status: 200,
    verdict: 'accepted',
    eventId: 'evt_1',
    eventType: 'check.completed.clear',
    durationMs: 12.34,
    response: '{"status":"accepted","eventId":"evt_1"}',
    keys: requestKeys(BODY),
    published: true,
    ...overrides,
  };
}

function busEvent(detail: unknown, id = 'bus-1'): BusEvent {
  return {
    version: '0',
    id,
    'detail-type': 'check.completed.clear',
    source: 'complycube',
    account: '123456789012',
    time: '2026-01-01T10:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

function delivery(overrides: Partial<DeliveryRecord> = {}): DeliveryRecord {
  return {
    kind: 'delivery',
    rule: 'ExampleRule',
    function: 'ExampleSubscriber',
    eventType: 'check.completed.clear',
    requestId: 'lambda-1',
    attempt: 1,
    maxAttempts: 3,
    outcome: 'ok',
    durationMs: 5,
    output: ['handled evt_1'],
    ...overrides,
  };
}

describe('the delivery store', () => {
  it('ties the bus event, the rules it matched and the subscriber run to the request that published it', () => {
    const store = new DeliveryStore();
    store.request(captured());
    const event = busEvent(JSON.parse(BODY.toString('utf8')));
    store.routed(event, {
      rule: 'ExampleRule',
      bus: 'bus',
      targets: [{ kind: 'function', name: 'ExampleSubscriber' }],
    });
    store.delivered(event, delivery({ handled: 'ran' }));

    const detail = store.detail('req-1');
    expect(store.list()).toHaveLength(1);
    expect(detail?.busEvent?.id).toBe('bus-1');
    expect(detail?.matches.map((m) => m.rule)).toEqual(['ExampleRule']);
    expect(detail?.subscriberRuns[0]?.attempts[0]).toMatchObject({
      output: ['handled evt_1'],
      handled: 'ran',
    });
    expect(detail?.runs).toEqual({ ok: 1, failed: 0, retrying: 0 });
  });

  it('keeps every attempt of a failing subscriber, with its retry and where the event went at the end', () => {
    const store = new DeliveryStore();
    store.request(captured());
    const event = busEvent(JSON.parse(BODY.toString('utf8')));
    store.routed(event, { rule: 'ExampleRule', bus: 'bus', targets: [] });
    store.delivered(
      event,
      delivery({ outcome: 'failed', error: { type: 'Error', message: 'boom' }, retryInMs: 3000 }),
    );
    expect(store.list()[0]?.runs).toEqual({ ok: 0, failed: 0, retrying: 1 });
    store.delivered(event, delivery({ attempt: 3, outcome: 'failed', finalOutcome: 'sent to the DLQ' }));

    const run = store.detail('req-1')?.subscriberRuns[0];
    expect(run?.attempts.map((a) => a.attempt)).toEqual([1, 3]);
    expect(run?.attempts.at(-1)?.finalOutcome).toBe('sent to the DLQ');
    expect(store.list()[0]?.runs).toEqual({ ok: 0, failed: 1, retrying: 0 });
  });

  it('does not tie an event to a duplicate that published nothing, but to the request that did', () => {
    const store = new DeliveryStore();
    store.request(captured({ requestId: 'first' }));
    store.request(captured({ requestId: 'again', verdict: 'duplicate', published: false }));
    store.routed(busEvent(JSON.parse(BODY.toString('utf8'))), { rule: 'R', bus: 'b', targets: [] });

    expect(store.detail('first')?.matches).toHaveLength(1);
    expect(store.detail('again')?.matches).toHaveLength(0);
  });

  it('gives an event published by something other than a local request an entry of its own', () => {
    const store = new DeliveryStore();
    store.routed(busEvent({ id: 'elsewhere' }, 'bus-9'), { rule: 'R', bus: 'b', targets: [] });

    expect(store.list()).toEqual([
      expect.objectContaining({ id: 'bus-bus-9', source: 'bus', verdict: 'published', eventId: 'elsewhere' }),
    ]);
  });

  it('masks the signature in what it shows, and keeps it only for a resend', () => {
    const store = new DeliveryStore();
    store.request(captured());

    const shown = JSON.stringify(store.detail('req-1'));
    expect(shown).not.toContain('a'.repeat(64));
    expect(store.detail('req-1')?.request?.headers).toContainEqual({
      name: 'complycube-signature',
      value: '•••••••• (masked, 64 characters)',
      masked: true,
    });
    expect(store.original('req-1')?.headers['complycube-signature']).toBe('a'.repeat(64));
  });

  it('forgets the oldest entries beyond its capacity', () => {
    const store = new DeliveryStore(2);
    for (const id of ['a', 'b', 'c']) store.request(captured({ requestId: id }));
    expect(store.list().map((d) => d.id)).toEqual(['c', 'b']);
    expect(store.detail('a')).toBeUndefined();
  });

  it('pretty-prints a JSON body, shows text as it is, and a binary body as base64', () => {
    expect(showBody(Buffer.from('{"a":1}'))).toMatchObject({ kind: 'json', text: '{\n  "a": 1\n}' });
    expect(showBody(Buffer.from('not json'))).toMatchObject({ kind: 'text', text: 'not json' });
    expect(showBody(Buffer.from([0xff, 0xfe]))).toMatchObject({ kind: 'binary', text: '//4=' });
  });
});

describe('the inspector refuses what a hostile web page could send', () => {
  const ok = { method: 'GET', headers: { host: '127.0.0.1:8640' } };

  it('lets a same-origin request through', () => {
    expect(refusal(ok, 8640, 'tok')).toBeUndefined();
    expect(refusal({ method: 'GET', headers: { host: 'localhost:8640' } }, 8640, 'tok')).toBeUndefined();
  });

  it('refuses a Host it does not serve (DNS rebinding)', () => {
    expect(refusal({ method: 'GET', headers: { host: 'evil.example:8640' } }, 8640, 'tok')?.status).toBe(421);
    expect(refusal({ method: 'GET', headers: { host: '127.0.0.1:9999' } }, 8640, 'tok')?.status).toBe(421);
  });

  it('refuses another origin, and a cross-site fetch', () => {
    const foreign = { ...ok, headers: { ...ok.headers, origin: 'https://evil.example' } };
    const crossSite = { ...ok, headers: { ...ok.headers, 'sec-fetch-site': 'cross-site' } };
    expect(refusal(foreign, 8640, 'tok')?.status).toBe(403);
    expect(refusal(crossSite, 8640, 'tok')?.status).toBe(403);
  });

  it('refuses a POST without the page token, with a wrong one, or without a JSON body', () => {
    const post = (headers: Record<string, string>) => ({
      method: 'POST',
      headers: { host: '127.0.0.1:8640', 'content-type': 'application/json', ...headers },
    });
    expect(refusal(post({}), 8640, 'tok')?.status).toBe(403);
    expect(refusal(post({ 'x-inspector-token': 'tak' }), 8640, 'tok')?.status).toBe(403);
    expect(
      refusal(post({ 'x-inspector-token': 'tok', 'content-type': 'text/plain' }), 8640, 'tok')?.status,
    ).toBe(415);
    expect(refusal(post({ 'x-inspector-token': 'tok' }), 8640, 'tok')).toBeUndefined();
  });

  it('refuses a request from another machine', () => {
    expect(refusal({ ...ok, remoteAddress: '192.168.1.20' }, 8640, 'tok')?.status).toBe(403);
    expect(refusal({ ...ok, remoteAddress: '::ffff:127.0.0.1' }, 8640, 'tok')).toBeUndefined();
  });
});

/** A stand-in receiver: verifies the signature, remembers ids, feeds the store as the local stack does. */
async function fakeReceiver(store: DeliveryStore): Promise<FunctionUrlServer> {
  const seen = new Set<string>();
  const server: FunctionUrlServer = await startFunctionUrlServer(
    async (event) => {
      const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
      const expected = createHmac('sha256', SECRET).update(body).digest('hex');
      if (event.headers['complycube-signature'] !== expected) {
        return { statusCode: 401, body: '{"status":"forged"}' };
      }
      const id = String((JSON.parse(body.toString('utf8')) as { id: unknown }).id);
      const verdict = seen.has(id) ? 'duplicate' : 'accepted';
      seen.add(id);
      return { statusCode: 200, body: JSON.stringify({ status: verdict }) };
    },
    {
      onResponse: (info) => {
        if (info.event === undefined) return;
        const body = Buffer.from(info.event.body ?? '', info.event.isBase64Encoded ? 'base64' : 'utf8');
        const verdict = (JSON.parse(info.body.toString('utf8')) as { status: string }).status;
        store.request({
          requestId: info.event.requestContext.requestId,
          receiver: 'complycube',
          url: server.url,
          receivedAt: new Date(),
          method: info.method,
          path: info.path,
          headers: info.event.headers as Record<string, string>,
          body,
          status: info.status,
          verdict,
          durationMs: info.durationMs,
          response: info.body.toString('utf8'),
          keys: requestKeys(body),
          published: verdict === 'accepted',
        });
      },
    },
  );
  return server;
}

describe('the inspector over HTTP', () => {
  let receiver: FunctionUrlServer | undefined;
  let inspector: RunningInspector | undefined;

  afterEach(async () => {
    await inspector?.close();
    await receiver?.close();
    inspector = undefined;
    receiver = undefined;
  });

  async function start(): Promise<{ store: DeliveryStore; url: string; token: string }> {
    const store = new DeliveryStore();
    receiver = await fakeReceiver(store);
    const receivers = [{ provider: 'complycube', url: receiver.url }];
    const actions = new InspectorActions({ receivers, secret: SECRET, store });
    inspector = await startInspector({ store, actions, receivers, port: 0 });
    const html = await (await fetch(inspector.url)).text();
    const token = /name="inspector-token" content="([0-9a-f]+)"/.exec(html)?.[1] ?? '';
    return { store, url: inspector.url, token };
  }

  function post(url: string, token: string, body: unknown): Promise<Response> {
    return fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-inspector-token': token },
      body: JSON.stringify(body),
    });
  }

  it('serves the page with a per-run token and a content security policy that allows nothing from elsewhere', async () => {
    const { url, token } = await start();
    const response = await fetch(url);
    expect(token).toMatch(/^[0-9a-f]{48}$/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('answers 421 to a request naming another host, as a rebound DNS name would', async () => {
    const { url } = await start();
    const { port } = new URL(url);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: '/api/state', headers: { host: `rebind.example:${port}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.once('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it('sends a fixture twice: accepted, then duplicate, and both are in the store', async () => {
    const { store, url, token } = await start();
    const response = await post(`${url}api/send`, token, {
      provider: 'complycube',
      fixture: 'check.completed.clear',
      mode: 'twice',
    });
    const { sent } = (await response.json()) as { sent: { requestId: string; verdict: string }[] };
    expect(sent.map((s) => s.verdict)).toEqual(['accepted', 'duplicate']);
    expect(store.list().map((d) => d.verdict)).toEqual(['duplicate', 'accepted']);
  });

  it('sends a tampered body with the signature of the original: the receiver answers 401', async () => {
    const { url, token } = await start();
    const response = await post(`${url}api/send`, token, {
      provider: 'complycube',
      fixture: 'client.created',
      mode: 'tampered',
    });
    const { sent } = (await response.json()) as { sent: { status: number }[] };
    expect(sent.map((s) => s.status)).toEqual([401]);
  });

  it('resends a delivery byte for byte: the receiver sees the same id again', async () => {
    const { store, url, token } = await start();
    const first = (await (
      await post(`${url}api/send`, token, { provider: 'complycube', fixture: 'client.created', mode: 'once' })
    ).json()) as { sent: { requestId: string }[] };
    const id = first.sent[0]?.requestId ?? '';
    const again = (await (await post(`${url}api/deliveries/${id}/resend`, token, {})).json()) as {
      sent: { requestId: string; verdict: string }[];
    };
    const resentId = again.sent[0]?.requestId ?? '';
    expect(again.sent[0]?.verdict).toBe('duplicate');
    expect(store.original(resentId)?.body.equals(store.original(id)?.body ?? Buffer.alloc(0))).toBe(true);
  });

  it('refuses to send a fixture that does not exist, naming where fixtures live', async () => {
    const { url, token } = await start();
    const response = await post(`${url}api/send`, token, {
      provider: 'complycube',
      fixture: '../../package',
      mode: 'once',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain('fixtures/complycube/');
  });

  it('refuses an action without the token, and does nothing', async () => {
    const { store, url } = await start();
    const response = await post(`${url}api/send`, 'wrong', {
      provider: 'complycube',
      fixture: 'client.created',
      mode: 'once',
    });
    expect(response.status).toBe(403);
    expect(store.list()).toHaveLength(0);
  });

  it('streams every change to the page as a server-sent event', async () => {
    const { store, url } = await start();
    const controller = new AbortController();
    const response = await fetch(`${url}api/events`, { signal: controller.signal });
    const reader = response.body?.getReader();
    const decoder = new TextDecoder();
    store.request(captured({ requestId: 'streamed' }));
    let text = '';
    while (!text.includes('event: delivery')) {
      const chunk = await reader?.read();
      if (chunk === undefined || chunk.done) break;
      text += decoder.decode(chunk.value);
    }
    controller.abort();
    expect(text).toContain('event: delivery\ndata: {"id":"streamed"');
  });
});

describe('the ComplyCube API emulator panel', () => {
  it('shows the registered webhook, enabled then disabled, and the catch-up reads, never the secret', async () => {
    const api = await startComplyCubeApiEmulator({ allowHttpLoopbackWebhookUrls: true });
    try {
      const panel = complyCubeWebhookPanel(api);
      expect((await panel.read()).note).toContain('npx complycube-webhooks connect');
      const call = (path: string, init: RequestInit = {}) =>
        fetch(`${api.url}${path}`, {
          ...init,
          headers: { authorization: api.apiKey, 'content-type': 'application/json' },
        });
      const created = (await (
        await call('/webhooks', {
          method: 'POST',
          body: JSON.stringify({ url: 'http://127.0.0.1:8642/', events: ['*'], enabled: true }),
        })
      ).json()) as { id: string; secret: string };
      await call('/checks?pageSize=10');

      const before = await panel.read();
      api.disableWebhook(created.id);
      const after = await panel.read();

      expect(before.rows).toContainEqual({
        label: `Webhook ${created.id}`,
        value: 'enabled · http://127.0.0.1:8642/ · events *',
      });
      expect(after.rows.find((r) => r.label === `Webhook ${created.id}`)?.value).toMatch(/^disabled /);
      expect(after.rows.find((r) => r.label === 'Catch-up reads')?.value).toMatch(
        /^1 list request; last .* GET \/checks → 200$/,
      );
      expect(JSON.stringify(after)).not.toContain(created.secret);
    } finally {
      await api.close();
    }
  });
});
