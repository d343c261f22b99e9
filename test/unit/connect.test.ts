/**
 * Connect, status and disconnect (functions/connect/core) over the real API client, driven against
 * the ComplyCube API emulator, with the secrets held in memory.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ComplyCubeClient } from '../../functions/complycube-api/client.js';
import { ConnectError } from '../../functions/connect/core/errors.js';
import {
  type ConnectRequest,
  connect,
  disconnect,
  eventDrift,
  status,
  webhookEvents,
} from '../../functions/connect/core/index.js';
import type { ConnectPorts, SecretStore, WebhookApi } from '../../functions/connect/core/ports.js';
import { parseSecretValue } from '../../functions/receiver/core/secrets.js';
import {
  type ComplyCubeApiEmulator,
  type ComplyCubeApiEmulatorOptions,
  startComplyCubeApiEmulator,
} from '../../local/complycube-api-emulator/emulator.js';

const PLACEHOLDER = JSON.stringify({ note: 'replace this whole value', placeholder: 'abc123' });
const URL_ = 'https://abc123.lambda-url.eu-west-1.on.aws/';

let api: ComplyCubeApiEmulator | undefined;

async function start(options: ComplyCubeApiEmulatorOptions = {}): Promise<ComplyCubeApiEmulator> {
  api = await startComplyCubeApiEmulator({ rateLimit: false, ...options });
  return api;
}

afterEach(async () => {
  await api?.close();
  api = undefined;
});

interface MemoryStore extends SecretStore {
  value: string | undefined;
  failWrites: boolean;
  readonly writes: string[];
}

function memoryStore(description: string, value: string | undefined): MemoryStore {
  const store: MemoryStore = {
    description,
    value,
    failWrites: false,
    writes: [],
    async read() {
      return store.value;
    },
    async write(next: string) {
      if (store.failWrites) throw new Error('AccessDeniedException: not allowed to PutSecretValue');
      store.writes.push(next);
      store.value = next;
    },
  };
  return store;
}

interface Setup {
  readonly emulator: ComplyCubeApiEmulator;
  readonly ports: ConnectPorts;
  readonly webhookSecret: MemoryStore;
  readonly apiKey: MemoryStore;
  now: number;
}

async function setup(
  options: {
    key?: string;
    secret?: string;
    api?: (client: WebhookApi) => WebhookApi;
  } & ComplyCubeApiEmulatorOptions = {},
): Promise<Setup> {
  const { key, secret, api: wrap, ...emulatorOptions } = options;
  const emulator = await start(emulatorOptions);
  const apiKey = memoryStore('secret complycube-api-key', key ?? emulator.apiKey);
  const webhookSecret = memoryStore('secret webhook-secret', secret ?? PLACEHOLDER);
  const state: Setup = {
    emulator,
    apiKey,
    webhookSecret,
    now: Date.parse('2026-12-05T12:00:00Z'),
    ports: {
      apiKey,
      webhookSecret,
      api: (k) => {
        const client = new ComplyCubeClient({
          apiKey: k,
          baseUrl: emulator.url,
          requestsPerSecond: false,
          sleep: async () => {},
        });
        return wrap === undefined ? client : wrap(client);
      },
      now: () => state.now,
    },
  };
  return state;
}

const request = (overrides: Partial<ConnectRequest> = {}): ConnectRequest => ({
  url: URL_,
  events: ['check.completed', 'client.created'],
  ...overrides,
});

async function failureOf(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConnectError) return error;
    throw error;
  }
  throw new Error('expected a ConnectError, got success');
}

describe('connect', () => {
  it('creates the webhook on the first run and stores the secret ComplyCube returned', async () => {
    const { emulator, ports, webhookSecret } = await setup();
    const result = await connect(request(), ports);
    const [webhook] = emulator.state.webhooks;
    expect(result).toMatchObject({ action: 'created', webhookId: webhook?.id, secret: 'stored' });
    expect(webhook).toMatchObject({
      url: URL_,
      enabled: true,
      events: ['check.completed', 'client.created'],
    });
    expect(JSON.parse(webhookSecret.value ?? '')).toEqual({
      current: webhook?.secret,
      webhookId: webhook?.id,
    });
    expect(JSON.stringify(result)).not.toContain(String(webhook?.secret));
  });

  it('finds its webhook on a second run: no second webhook, nothing written', async () => {
    const { emulator, ports, webhookSecret } = await setup();
    const first = await connect(request(), ports);
    const second = await connect(request(), ports);
    expect(second).toMatchObject({ action: 'unchanged', webhookId: first.webhookId, secret: 'kept' });
    expect(emulator.state.webhooks).toHaveLength(1);
    expect(webhookSecret.writes).toHaveLength(1);
  });

  it('sets the events to exactly what the subscriptions need when they change', async () => {
    const { emulator, ports } = await setup();
    const first = await connect(request(), ports);
    const second = await connect(request({ events: ['check.completed', 'check.failed'] }), ports);
    expect(second).toMatchObject({ action: 'updated', webhookId: first.webhookId });
    expect(second.changes).toEqual(['events: +check.failed -client.created']);
    expect(emulator.state.webhooks.map((w) => w.events)).toEqual([['check.completed', 'check.failed']]);
  });

  it('registers ["*"] when a subscription takes everything', async () => {
    const { emulator, ports } = await setup();
    await connect(request({ events: ['check.completed', '*'] }), ports);
    expect(emulator.state.webhooks[0]?.events).toEqual(['*']);
  });

  it('turns a disabled webhook back on', async () => {
    const { emulator, ports } = await setup();
    const { webhookId } = await connect(request(), ports);
    emulator.disableWebhook(String(webhookId));
    const result = await connect(request(), ports);
    expect(result.changes).toEqual(['enabled: false → true']);
    expect(emulator.state.webhooks[0]?.enabled).toBe(true);
  });

  it('finds its webhook by the stored id even after the URL changed, and moves it', async () => {
    const { emulator, ports } = await setup();
    const { webhookId } = await connect(request(), ports);
    const moved = 'https://new.lambda-url.eu-west-1.on.aws/';
    const result = await connect(request({ url: moved, webhookId }), ports);
    expect(result).toMatchObject({ action: 'updated', webhookId });
    expect(emulator.state.webhooks.map((w) => w.url)).toEqual([moved]);
  });

  it('does not fail while the API key is the placeholder, says what to do, and calls nothing', async () => {
    const { emulator, ports } = await setup({ key: PLACEHOLDER });
    const result = await connect(request(), ports);
    expect(result.action).toBe('skipped');
    expect(result.warnings.join(' ')).toMatch(
      /not set yet.*put-secret-value --secret-id secret complycube-api-key --secret-string file:\/\/.*deploy again/,
    );
    expect(emulator.state.requests).toHaveLength(0);
  });

  it('fails on a refused key with a message naming where the key came from, not the key', async () => {
    const { ports } = await setup({ key: 'test_refused0123456789' });
    const error = await failureOf(connect(request(), ports));
    expect(error.failure).toBe('api_key');
    expect(error.message).toMatch(/refused the API key.*read from secret complycube-api-key/);
    expect(error.message).not.toContain('refused0123456789');
  });

  it('fails on a key of the wrong shape before calling ComplyCube', async () => {
    const { emulator, ports } = await setup({ key: 'sk_live_notcomplycube' });
    const error = await failureOf(connect(request(), ports));
    expect(error.failure).toBe('api_key');
    expect(emulator.state.requests).toHaveLength(0);
  });

  it('backs off on 429 mid-run and succeeds', async () => {
    const { emulator, ports } = await setup();
    emulator.failNext(3, 429);
    const result = await connect(request(), ports);
    expect(result.action).toBe('created');
    expect(emulator.state.requests.filter((r) => r.status === 429)).toHaveLength(3);
    expect(emulator.state.webhooks).toHaveLength(1);
  });

  it('deletes the webhook it just created when the secret cannot be stored, and says so', async () => {
    const { emulator, ports, webhookSecret } = await setup();
    webhookSecret.failWrites = true;
    const error = await failureOf(connect(request(), ports));
    expect(error.failure).toBe('secret_store');
    expect(error.message).toMatch(/Could not write the webhook secret.*was deleted again.*PutSecretValue/);
    expect(emulator.state.webhooks).toHaveLength(0);
    expect(webhookSecret.value).toBe(PLACEHOLDER);
  });

  it('says to delete the webhook by hand when the undo fails too', async () => {
    const { emulator, ports, webhookSecret } = await setup();
    webhookSecret.failWrites = true;
    emulator.failNext(10, 503, { method: 'DELETE' });
    const error = await failureOf(connect(request(), ports));
    expect(error.message).toMatch(
      /failed too.*delete it yourself \(npx complycube-webhooks disconnect --webhook-id/,
    );
  });

  it('keeps the old secret beside the new one when the webhook is re-created', async () => {
    const { emulator, ports, webhookSecret } = await setup();
    const first = await connect(request(), ports);
    const oldSecret = emulator.state.webhooks[0]?.secret;
    await emulator.close();
    // The webhook was deleted in ComplyCube behind our back: a fresh emulator holds none.
    const again = await setup({ secret: webhookSecret.value });
    const result = await connect(request({ webhookId: first.webhookId }), again.ports);
    const newSecret = again.emulator.state.webhooks[0]?.secret;
    expect(result).toMatchObject({ action: 'recreated', secret: 'rotation' });
    const stored = JSON.parse(again.webhookSecret.value ?? '');
    expect(stored).toMatchObject({ current: oldSecret, next: newSecret, webhookId: result.webhookId });
    expect(parseSecretValue(again.webhookSecret.value ?? '', 'secret').map(String)).toEqual([
      oldSecret,
      newSecret,
    ]);
  });

  it('drops the old secret once the overlap is over, not before', async () => {
    const rotation = JSON.stringify({ current: 'old-secret', next: 'placeholder-next' });
    const { emulator, ports, webhookSecret } = await setup({ secret: rotation });
    const created = await connect(request(), ports);
    const newSecret = emulator.state.webhooks[0]?.secret;
    expect(created.secret).toBe('rotation');
    const setupTime = Date.parse('2026-12-05T12:00:00Z');
    const soon = await connect(request(), { ...ports, now: () => setupTime + 60_000 });
    expect(soon.secret).toBe('kept');
    const later = await connect(request(), { ...ports, now: () => setupTime + 4 * 24 * 3600_000 });
    expect(later.secret).toBe('promoted');
    expect(JSON.parse(webhookSecret.value ?? '')).toEqual({
      current: newSecret,
      webhookId: created.webhookId,
    });
  });

  it('re-creates a webhook found by URL whose secret nobody stored', async () => {
    const { emulator, ports, webhookSecret } = await setup();
    emulator.createObject('checks', {}); // unrelated state stays
    const stranger = await new ComplyCubeClient({
      apiKey: emulator.apiKey,
      baseUrl: emulator.url,
      requestsPerSecond: false,
    }).createWebhook({ url: URL_, events: ['check.completed'] });
    const result = await connect(request(), ports);
    expect(result.action).toBe('recreated');
    expect(result.warnings.join(' ')).toMatch(new RegExp(`${stranger.id} .*deleted and created again`));
    expect(emulator.state.webhooks.map((w) => w.id)).toEqual([result.webhookId]);
    expect(JSON.parse(webhookSecret.value ?? '').current).toBe(emulator.state.webhooks[0]?.secret);
  });

  it("re-creates a webhook found by URL when the stored secret is another webhook's", async () => {
    const stale = JSON.stringify({ current: 'secret-of-a-deleted-webhook', webhookId: 'deleted' });
    const { emulator, ports, webhookSecret } = await setup({ secret: stale });
    const stranger = await new ComplyCubeClient({
      apiKey: emulator.apiKey,
      baseUrl: emulator.url,
      requestsPerSecond: false,
    }).createWebhook({ url: URL_, events: ['check.completed'] });
    const result = await connect(request(), ports);
    expect(result.action).toBe('recreated');
    expect(emulator.state.webhooks.map((w) => w.id)).not.toContain(stranger.id);
    expect(JSON.parse(webhookSecret.value ?? '').next).toBe(emulator.state.webhooks[0]?.secret);
  });

  it('adopts a webhook found by URL whose secret a person stored by hand', async () => {
    const { emulator, ports, webhookSecret } = await setup();
    const existing = await new ComplyCubeClient({
      apiKey: emulator.apiKey,
      baseUrl: emulator.url,
      requestsPerSecond: false,
    }).createWebhook({ url: URL_, events: ['check.completed'] });
    webhookSecret.value = `${existing.secret}\n`;
    const result = await connect(request(), ports);
    expect(result).toMatchObject({ action: 'updated', webhookId: existing.id, secret: 'kept' });
    expect(webhookSecret.writes).toHaveLength(0);
  });

  it('leaves one webhook when the answer to the create was lost, with the secret of that one', async () => {
    const { emulator, ports, webhookSecret } = await setup();
    emulator.failNext(1, 500, { method: 'POST', pathPrefix: '/webhooks', afterHandling: true });
    const result = await connect(request(), ports);
    expect(emulator.state.webhooks).toHaveLength(1);
    expect(JSON.parse(webhookSecret.value ?? '').current).toBe(emulator.state.webhooks[0]?.secret);
    expect(result.warnings.join(' ')).toMatch(/answer was lost.*deleted.*created again/);
  });

  it('fails at the 20-webhook limit with what to do, creating nothing', async () => {
    const { emulator, ports } = await setup();
    const client = new ComplyCubeClient({
      apiKey: emulator.apiKey,
      baseUrl: emulator.url,
      requestsPerSecond: false,
    });
    for (let n = 0; n < 20; n++)
      await client.createWebhook({ url: `https://other.example/${n}`, events: ['*'] });
    const error = await failureOf(connect(request(), ports));
    expect(error.failure).toBe('webhook_limit');
    expect(error.message).toMatch(/20 webhooks.*Delete one/);
    expect(emulator.state.webhooks).toHaveLength(20);
  });

  it('refuses a receiver URL that is not HTTPS before calling ComplyCube', async () => {
    const { emulator, ports } = await setup();
    const error = await failureOf(connect(request({ url: 'http://example.com/hook' }), ports));
    expect(error.failure).toBe('webhook_url');
    expect(error.message).toMatch(/only to HTTPS/);
    expect(emulator.state.requests).toHaveLength(0);
  });

  it('registers nothing and warns when no subscription needs an event type', async () => {
    const { emulator, ports } = await setup();
    const result = await connect(request({ events: [] }), ports);
    expect(result.action).toBe('skipped');
    expect(emulator.state.webhooks).toHaveLength(0);
  });
});

describe('disconnect', () => {
  it('deletes the webhook by its stored id', async () => {
    const { emulator, ports } = await setup();
    const { webhookId } = await connect(request(), ports);
    const result = await disconnect({ webhookId }, ports);
    expect(result).toMatchObject({ action: 'deleted', webhookIds: [webhookId] });
    expect(emulator.state.webhooks).toHaveLength(0);
  });

  it('keeps the webhook when the removal policy says so', async () => {
    const { emulator, ports } = await setup();
    const { webhookId } = await connect(request(), ports);
    expect((await disconnect({ webhookId, keep: true }, ports)).action).toBe('kept');
    expect(emulator.state.webhooks).toHaveLength(1);
  });

  it('is done when the webhook is already gone', async () => {
    const { ports } = await setup();
    expect((await disconnect({ webhookId: 'gone' }, ports)).action).toBe('absent');
  });
});

describe('status', () => {
  it('reports drift, a disabled webhook and the secret state, never the secret', async () => {
    const { emulator, ports } = await setup();
    const { webhookId } = await connect(request(), ports);
    emulator.disableWebhook(String(webhookId));
    const report = await status({ url: URL_, events: ['check.completed', 'check.failed'] }, ports);
    expect(report).toMatchObject({
      foundBy: 'id',
      missingEvents: ['check.failed'],
      extraEvents: ['client.created'],
      secret: 'set',
      secretForThisWebhook: true,
    });
    expect(report.problems.join('\n')).toMatch(/disabled/);
    expect(JSON.stringify(report)).not.toContain(String(emulator.state.webhooks[0]?.secret));
  });

  it('has no problems when all is as expected', async () => {
    const { ports } = await setup();
    await connect(request(), ports);
    expect((await status(request(), ports)).problems).toEqual([]);
  });
});

describe('event lists', () => {
  it('sorts, de-duplicates, and collapses to ["*"]', () => {
    expect(webhookEvents(['b', 'a', 'b'])).toEqual(['a', 'b']);
    expect(webhookEvents(['a', '*'])).toEqual(['*']);
  });

  it('compares lists as sets, with * covering *', () => {
    expect(eventDrift(['a', 'b'], ['b', 'c'])).toEqual({ missing: ['c'], extra: ['a'] });
    expect(eventDrift(['*'], ['*'])).toEqual({ missing: [], extra: [] });
  });
});
