/**
 * The ComplyCube API client, driven against the ComplyCube API emulator over loopback HTTP.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ComplyCubeAuthError,
  ComplyCubeClient,
  type ComplyCubeClientOptions,
  ComplyCubeConfigError,
  ComplyCubeNetworkError,
  ComplyCubeNotFoundError,
  ComplyCubeRateLimitError,
  ComplyCubeServerError,
  ComplyCubeValidationError,
  ComplyCubeWebhookLimitError,
  isOutcomeUnknown,
  type RetryNotice,
} from '../../functions/complycube-api/index.js';
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

/** Records the waits instead of sleeping them, so retries take no time. */
function instantSleep(delays: number[]) {
  return async (ms: number) => {
    delays.push(ms);
  };
}

function client(
  emulator: ComplyCubeApiEmulator,
  options: Partial<ComplyCubeClientOptions> = {},
): ComplyCubeClient {
  return new ComplyCubeClient({
    apiKey: emulator.apiKey,
    baseUrl: emulator.url,
    requestsPerSecond: false,
    sleep: instantSleep([]),
    ...options,
  });
}

const input = { url: 'https://example.com/complycube', events: ['check.completed'], enabled: true };

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-error: ${String(error)}`);
  }
  throw new Error('expected a failure, got success');
}

describe('ComplyCubeClient: webhooks', () => {
  it('creates a webhook and returns its secret, sending the bare key in Authorization', async () => {
    const emulator = await start();
    const created = await client(emulator).createWebhook(input);
    expect(created.secret).toBe(emulator.state.webhooks[0]?.secret);
    expect(created).toMatchObject({ url: input.url, events: ['check.completed'], enabled: true });
    expect(emulator.state.requests[0]?.keyKind).toBe('test');
  });

  it('gets, updates partially, lists and deletes', async () => {
    const emulator = await start();
    const api = client(emulator);
    const { id } = await api.createWebhook({ ...input, description: 'kept' });
    const updated = await api.updateWebhook(id, { events: ['*'] });
    expect(updated).toMatchObject({ id, events: ['*'], description: 'kept', enabled: true });
    expect(await api.getWebhook(id)).toEqual(updated);
    expect((await api.listWebhooks()).items.map((w) => w.id)).toEqual([id]);
    await api.deleteWebhook(id);
    expect(await failureOf(api.getWebhook(id))).toBeInstanceOf(ComplyCubeNotFoundError);
  });

  it('reads every webhook across pages', async () => {
    const emulator = await start();
    const api = client(emulator);
    for (let n = 0; n < 3; n++) await api.createWebhook({ ...input, url: `https://example.com/${n}` });
    const pages = [];
    for await (const page of (await import('../../functions/complycube-api/client.js')).paginate((page) =>
      api.listWebhooks({ page, pageSize: 1 }),
    )) {
      pages.push(page.items.length);
    }
    expect(pages).toEqual([1, 1, 1]);
    expect(await api.allWebhooks()).toHaveLength(3);
  });

  it('reports the 21st webhook as the account limit, saying what to do', async () => {
    const emulator = await start({ webhookLimit: 1 });
    const api = client(emulator);
    await api.createWebhook(input);
    const error = await failureOf(api.createWebhook({ ...input, url: 'https://example.com/2' }));
    expect(error).toBeInstanceOf(ComplyCubeWebhookLimitError);
    expect(error.message).toMatch(/at most 20.*Delete one/);
  });

  it("reports a refused URL as a validation error carrying the API's message", async () => {
    const emulator = await start();
    const error = await failureOf(client(emulator).createWebhook({ ...input, url: 'http://example.com/' }));
    expect(error).toBeInstanceOf(ComplyCubeValidationError);
    expect((error as ComplyCubeValidationError).apiMessage).toMatch(/HTTPS/);
    expect(error.message).toMatch(/HTTPS/);
  });
});

describe('ComplyCubeClient: lists', () => {
  it('sends paging, time filters and field filters, and iterates over every page', async () => {
    const emulator = await start();
    for (let n = 0; n < 5; n++) {
      emulator.createObject('checks', {
        status: 'complete',
        result: { outcome: n % 2 === 0 ? 'clear' : 'attention' },
        createdAt: `2026-12-0${n + 1}T00:00:00.000Z`,
      });
    }
    const api = client(emulator);
    const seen: string[] = [];
    for await (const page of api.pages('checks', {
      'result.outcome': 'clear',
      createdAfter: new Date('2026-12-01T12:00:00Z'),
      pageSize: 1,
    })) {
      for (const item of page.items) seen.push(item.createdAt);
    }
    expect(seen).toEqual(['2026-12-05T00:00:00.000Z', '2026-12-03T00:00:00.000Z']);
  });

  it('lists documents by the client they belong to', async () => {
    const emulator = await start();
    const person = emulator.createObject('clients', { type: 'person' });
    const document = emulator.createObject('documents', { clientId: person.id, type: 'passport' });
    const page = await client(emulator).list('documents', { clientId: person.id, type: 'passport' });
    expect(page.items.map((i) => i.id)).toEqual([document.id]);
  });

  it('refuses a pageSize above 1000 before sending anything', async () => {
    const emulator = await start();
    const error = await failureOf(client(emulator).list('clients', { pageSize: 1001 }));
    expect(error).toBeInstanceOf(ComplyCubeConfigError);
    expect(emulator.state.requests).toHaveLength(0);
  });
});

describe('ComplyCubeClient: rate limit and retries', () => {
  it('backs off on 429 and succeeds, telling onRetry', async () => {
    const emulator = await start();
    emulator.failNext(2, 429);
    const delays: number[] = [];
    const notices: RetryNotice[] = [];
    const api = client(emulator, {
      sleep: instantSleep(delays),
      onRetry: (n) => notices.push(n),
      random: () => 1,
    });
    const page = await api.listWebhooks();
    expect(page.totalItems).toBe(0);
    expect(notices.map((n) => [n.reason, n.status, n.retry])).toEqual([
      ['rate_limited', 429, 1],
      ['rate_limited', 429, 2],
    ]);
    expect(delays).toEqual([250, 500]);
  });

  it('honours Retry-After', async () => {
    const emulator = await start();
    emulator.failNext(1, 429, { retryAfter: '3' });
    const delays: number[] = [];
    await client(emulator, { sleep: instantSleep(delays) }).listWebhooks();
    expect(delays).toEqual([3000]);
  });

  it('gives up with a rate-limit error when Retry-After is longer than it waits', async () => {
    const emulator = await start();
    emulator.failNext(1, 429, { retryAfter: '120' });
    const error = await failureOf(client(emulator).listWebhooks());
    expect(error).toBeInstanceOf(ComplyCubeRateLimitError);
    expect((error as ComplyCubeRateLimitError).retryAfterMs).toBe(120_000);
  });

  it('retries a create refused with 429: ComplyCube did not carry it out', async () => {
    const emulator = await start();
    emulator.failNext(1, 429);
    await client(emulator).createWebhook(input);
    expect(emulator.state.webhooks).toHaveLength(1);
  });

  it('retries an idempotent call on 5xx', async () => {
    const emulator = await start();
    emulator.failNext(2, 503);
    await client(emulator).listWebhooks();
    expect(emulator.state.requests.map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it('does not send a create again after a 5xx, and says the outcome is unknown', async () => {
    const emulator = await start();
    emulator.failNext(1, 500, { method: 'POST', afterHandling: true });
    const error = await failureOf(client(emulator).createWebhook(input));
    expect(error).toBeInstanceOf(ComplyCubeServerError);
    expect(isOutcomeUnknown(error)).toBe(true);
    expect(error.message).toMatch(/look before trying again/);
    expect(emulator.state.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(emulator.state.webhooks).toHaveLength(1);
  });

  it('stops after maxAttempts with a server error', async () => {
    const emulator = await start();
    emulator.failNext(10, 502);
    const error = await failureOf(client(emulator, { maxAttempts: 3 }).listWebhooks());
    expect(error).toBeInstanceOf(ComplyCubeServerError);
    expect(isOutcomeUnknown(error)).toBe(false);
    expect(emulator.state.requests).toHaveLength(3);
  });

  it('paces itself to the rate limit of a test_ key: never more than 5 sends in a second', async () => {
    // One fake clock for the client (its pacer sleeps on it) and the emulator (it counts its rate
    // limit on it): the pacing is judged without waiting, whatever the machine's load.
    let clockMs = Date.UTC(2026, 0, 1);
    const now = (): number => clockMs;
    const sleep = async (ms: number): Promise<void> => {
      // Time moves on only once what is due now has run (every queued promise callback), as fake
      // timers do: a request that took its turn at this time sends at this time, not after a jump.
      await new Promise<void>((resolve) => setImmediate(resolve));
      clockMs += Math.max(0, ms);
    };
    const emulator = await start({ rateLimit: { test: 5, live: 10 }, now });
    const sends: number[] = [];
    const recording: typeof fetch = (url, init) => {
      sends.push(now());
      return fetch(url, init);
    };
    const api = new ComplyCubeClient({
      apiKey: emulator.apiKey,
      baseUrl: emulator.url,
      fetch: recording,
      now,
      sleep,
    });
    const pages = await Promise.all(Array.from({ length: 12 }, () => api.listWebhooks()));
    expect(pages).toHaveLength(12);
    for (const at of sends)
      expect(sends.filter((t) => t >= at && t < at + 1000).length).toBeLessThanOrEqual(5);
    expect((sends.at(-1) ?? 0) - (sends[0] ?? 0)).toBeGreaterThanOrEqual(2000);
  });
});

describe('ComplyCubeClient: timeouts and network', () => {
  /** A fetch that answers nothing until its signal aborts. */
  const silentFetch: typeof fetch = (_url, init) =>
    new Promise((_resolve, reject) => {
      if (init?.signal?.aborted) reject(init.signal.reason);
      init?.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true });
    });

  it('times a silent server out and retries an idempotent call', async () => {
    const emulator = await start();
    let calls = 0;
    const counting: typeof fetch = (url, init) => {
      calls++;
      return silentFetch(url, init);
    };
    const error = await failureOf(
      client(emulator, { fetch: counting, timeoutMs: 20, maxAttempts: 2 }).listWebhooks(),
    );
    expect(error).toBeInstanceOf(ComplyCubeNetworkError);
    expect(error.message).toMatch(/no answer within 20 ms/);
    expect(calls).toBe(2);
  });

  it('does not send a create again after a timeout', async () => {
    const emulator = await start();
    let calls = 0;
    const counting: typeof fetch = (url, init) => {
      calls++;
      return silentFetch(url, init);
    };
    const error = await failureOf(client(emulator, { fetch: counting, timeoutMs: 20 }).createWebhook(input));
    expect(isOutcomeUnknown(error)).toBe(true);
    expect(calls).toBe(1);
  });

  it("stops at once when the caller's signal aborts", async () => {
    const emulator = await start();
    const controller = new AbortController();
    const pending = client(emulator, { fetch: silentFetch, timeoutMs: 60_000 }).listWebhooks(
      {},
      { signal: controller.signal },
    );
    controller.abort();
    const error = await failureOf(pending);
    expect(error).toBeInstanceOf(ComplyCubeNetworkError);
    expect((error as ComplyCubeNetworkError).aborted).toBe(true);
  });

  it('retries a create whose connection was refused: it never reached ComplyCube', async () => {
    const emulator = await start();
    const url = emulator.url;
    await emulator.close();
    api = undefined;
    const delays: number[] = [];
    const error = await failureOf(
      new ComplyCubeClient({
        apiKey: 'test_abcdefghijkl',
        baseUrl: url,
        requestsPerSecond: false,
        sleep: instantSleep(delays),
        maxAttempts: 3,
      }).createWebhook(input),
    );
    expect(error).toBeInstanceOf(ComplyCubeNetworkError);
    expect(isOutcomeUnknown(error)).toBe(false);
    expect(delays).toHaveLength(2);
  });
});

describe('ComplyCubeClient: the key', () => {
  it('reports a refused key as an auth error that names neither the key nor part of it', async () => {
    const emulator = await start();
    const key = 'test_notthekey0123456789';
    const error = await failureOf(client(emulator, { apiKey: key }).listWebhooks());
    expect(error).toBeInstanceOf(ComplyCubeAuthError);
    expect(error.message).toMatch(/refused the API key \(401/);
    expect(JSON.stringify({ message: error.message, stack: error.stack, error })).not.toContain('notthekey');
  });

  it('never puts the key in an error, a retry notice or console output', async () => {
    const emulator = await start();
    const printed: string[] = [];
    const capture = (...args: unknown[]) => printed.push(args.map(String).join(' '));
    const saved = { log: console.log, error: console.error, warn: console.warn, info: console.info };
    Object.assign(console, { log: capture, error: capture, warn: capture, info: capture });
    const notices: RetryNotice[] = [];
    const errors: unknown[] = [];
    try {
      emulator.failNext(1, 429);
      emulator.failNext(10, 503, { method: 'GET' });
      const api = client(emulator, { onRetry: (n) => notices.push(n), maxAttempts: 2 });
      errors.push(await failureOf(api.getWebhook('missing')));
      errors.push(await failureOf(api.createWebhook({ ...input, url: 'ftp://x' })));
      errors.push(await failureOf(client(emulator, { apiKey: `${emulator.apiKey}x` }).listWebhooks()));
    } finally {
      Object.assign(console, saved);
    }
    const everything = JSON.stringify([printed, notices, errors.map((e) => [String(e), (e as Error).stack])]);
    expect(errors).toHaveLength(3);
    expect(everything).not.toContain(emulator.apiKey.slice(5));
  });

  it('refuses a key of the wrong shape without quoting it', () => {
    const build = () => new ComplyCubeClient({ apiKey: 'sk_abcdefghijklmnop' });
    expect(build).toThrow(ComplyCubeConfigError);
    expect(build).toThrow(/starts with 'test_' \(sandbox\) or 'live_'/);
    expect(build).not.toThrow(/abcdefghijklmnop/);
  });

  it('accepts a key pasted with a trailing newline', () => {
    expect(
      new ComplyCubeClient({ apiKey: 'live_abcdefghijkl\n', baseUrl: 'https://x.test/v1' }).keyKind,
    ).toBe('live');
  });
});
