/**
 * Property-based tests over the whole receive path, from a function URL event to the answer:
 * hostile and near-miss input never gets in, never costs a write, never makes the receiver fail;
 * authentic input is always acknowledged and published exactly once.
 */
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { functionUrlEvent, sign } from '../../fixtures/complycube.js';
import {
  type ReceiveDependencies,
  type ReceiveResult,
  receive,
} from '../../functions/receiver/core/receive.js';
import { WebhookSecrets } from '../../functions/receiver/core/secrets.js';
import { toWebhookRequest } from '../../functions/receiver/function-url.js';
import { complyCube } from '../../functions/receiver/providers/complycube.js';
import {
  CapturingLogger,
  FakeClock,
  FakeLedger,
  FakeSecretSource,
  RecordingPublisher,
} from '../helpers/fakes.js';

const SECRET = 'whsec_properties_fictional_c0de';
const RUNS = 300;

/**
 * A property's time grows with its run count and with how busy the machine is, not with anything
 * the test asserts; vitest's 5 s default fails it on a loaded shared machine. A run takes a few
 * milliseconds on a quiet core, so 100 ms a run leaves room for load while a hang still fails.
 */
function timeoutFor(runs: number): number {
  return runs * 100;
}

function setup() {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const secrets = new WebhookSecrets({ source: new FakeSecretSource(SECRET), clock });
  const ledger = new FakeLedger({ clock, retentionSeconds: 30 * 86_400, leaseSeconds: 30 });
  const publisher = new RecordingPublisher();
  const logger = new CapturingLogger();
  const deps: ReceiveDependencies = { provider: complyCube, secrets, ledger, publisher, clock, logger };
  return { deps, ledger, publisher, logger };
}

/** Bodies as hostile senders make them: arbitrary bytes, invalid UTF-8, JSON with traps. */
const bodies: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 2_048 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ maxLength: 1_024, unit: 'binary' }).map((s) => Buffer.from(s, 'utf8')),
  fc.json({ maxDepth: 6 }).map((s) => Buffer.from(s, 'utf8')),
  fc
    .record({
      id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      type: fc.oneof(
        fc.constantFrom('check.completed.clear', 'client.created', 'x'),
        fc.string(),
        fc.boolean(),
      ),
      trap: fc.constantFrom(
        '"__proto__":{"polluted":true}',
        '"constructor":{"prototype":{"polluted":true}}',
        '"n":12345678901234567890123',
      ),
      depth: fc.integer({ min: 0, max: 2_000 }),
    })
    .map(({ id, type, trap, depth }) =>
      Buffer.from(
        `{${trap},"id":${JSON.stringify(id)},"type":${JSON.stringify(type)},"nested":${'['.repeat(depth)}${']'.repeat(depth)},"createdAt":"2026-01-01T00:00:00Z"}`,
      ),
    ),
);

// Hex of the wrong length, built once: fast-check compiles a regex into an arbitrary at about 10 ms
// a time, which, built afresh for every run as `nearMisses` was, cost seconds per property.
const shortHex = fc.stringMatching(/^[0-9a-f]{1,63}$/);
const longHex = fc.stringMatching(/^[0-9a-f]{65,80}$/);

/** Signature header values that are not the right signature but come close. */
function nearMisses(correct: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength: 100 }),
    shortHex,
    longHex,
    fc.constant(`sha256=${correct}`),
    fc.constant(`${correct} `),
    fc.constant(` ${correct}`),
    fc.constant(`${correct}zz`),
    fc.constant(`${correct}, other`),
    fc.constant(`${correct},${correct}`),
    fc.constant(`${correct.slice(0, 32)}${correct.slice(0, 32).toUpperCase()}`),
    fc.constant(correct.slice(1)),
    fc.constant(`${correct.slice(0, -1)}${correct.endsWith('0') ? '1' : '0'}`),
    fc.constant(sign('something else', SECRET)),
    fc.constant(sign(correct, 'not-the-secret')),
    fc.constant(Buffer.from(correct, 'hex').toString('base64')),
    fc.constant(''),
  );
}

function expectNoTrace(result: ReceiveResult, logger: CapturingLogger, ...secrets: string[]): void {
  const said = `${JSON.stringify(result)}\n${logger.text()}`;
  for (const secret of secrets) {
    if (secret.length >= 8) expect(said).not.toContain(secret);
  }
}

describe('the receive path under arbitrary input', () => {
  it(
    'refuses every forged or near-miss signature with 401, and writes and publishes nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          bodies.chain((body) => fc.tuple(fc.constant(body), nearMisses(sign(body, SECRET)), fc.boolean())),
          async ([body, signature, base64]) => {
            const correct = sign(body, SECRET);
            fc.pre(signature !== correct && signature !== correct.toUpperCase());
            const { deps, ledger, publisher, logger } = setup();

            const result = await receive(
              toWebhookRequest(functionUrlEvent({ body, isBase64Encoded: base64, signature })),
              deps,
            );

            expect(result.statusCode).toBe(401);
            expect(ledger.calls).toEqual([]);
            expect(publisher.entries).toEqual([]);
            expectNoTrace(result, logger, correct, SECRET, signature);
          },
        ),
        { numRuns: RUNS },
      );
    },
    timeoutFor(RUNS),
  );

  it(
    'refuses a missing, empty, or doubled signature header the same way',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          bodies,
          fc.constantFrom<'missing' | 'empty' | 'two-spellings'>('missing', 'empty', 'two-spellings'),
          async (body, shape) => {
            const { deps, ledger, publisher } = setup();
            const correct = sign(body, SECRET);
            const headers: Record<string, string> =
              shape === 'missing'
                ? {}
                : shape === 'empty'
                  ? { 'complycube-signature': '' }
                  : { 'complycube-signature': correct, 'ComplyCube-Signature': sign(body, 'other') };

            const event = functionUrlEvent({ body, headers, keepHeaderCase: true });
            const result = await receive(toWebhookRequest(event), deps);

            expect(result.statusCode).toBe(401);
            expect(ledger.calls).toEqual([]);
            expect(publisher.entries).toEqual([]);
          },
        ),
        { numRuns: RUNS },
      );
    },
    timeoutFor(RUNS),
  );

  it(
    'acknowledges every authentic body and publishes it exactly once, whatever it holds',
    async () => {
      await fc.assert(
        fc.asyncProperty(bodies, fc.boolean(), fc.boolean(), async (body, base64, upper) => {
          const { deps, publisher } = setup();
          const signature = upper ? sign(body, SECRET).toUpperCase() : sign(body, SECRET);

          // A function URL can only deliver bytes that are not UTF-8 base64-encoded.
          const isBase64Encoded = base64 || !isUtf8(body);
          const result = await receive(
            toWebhookRequest(functionUrlEvent({ body, isBase64Encoded, signature })),
            deps,
          );

          expect([200, 202]).toContain(result.statusCode);
          expect(publisher.entries).toHaveLength(1);
          const entry = publisher.entries[0];
          if (result.statusCode === 200) expect(entry?.detail).toBe(body.toString('utf8'));
          // A __proto__ key in the body must not leak into any object of ours.
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        }),
        { numRuns: RUNS },
      );
    },
    timeoutFor(RUNS),
  );

  it(
    'publishes an authentic body once however often and in whatever order it is redelivered',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(bodies, { minLength: 1, maxLength: 6 }),
          fc.array(fc.nat(), { maxLength: 20 }),
          async (unique, picks) => {
            const { deps, publisher } = setup();
            const deliveries = [...unique, ...picks.map((i) => unique[i % unique.length] ?? Buffer.alloc(0))];

            for (const body of deliveries) {
              await receive(
                toWebhookRequest(functionUrlEvent({ body, signature: sign(body, SECRET) })),
                deps,
              );
            }

            const distinct = new Set(publisher.entries.map((e) => `${e.source}|${e.detail}`));
            expect(distinct.size).toBe(publisher.entries.length);
            expect(publisher.entries.length).toBeLessThanOrEqual(
              new Set(unique.map((b) => b.toString('hex'))).size,
            );
          },
        ),
        { numRuns: 100 },
      );
    },
    timeoutFor(100),
  );

  it(
    'never throws and never answers 5xx for input of any shape',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('POST', 'GET', 'PUT', 'DELETE', 'OPTIONS', 'post', 'PATCH'),
          bodies,
          fc.dictionary(fc.string({ maxLength: 30 }), fc.string({ maxLength: 100 }), { maxKeys: 8 }),
          fc.boolean(),
          async (method, body, headers, base64) => {
            const { deps } = setup();
            const event = functionUrlEvent({ method, body, headers, isBase64Encoded: base64 });

            const result = await receive(toWebhookRequest(event), deps);

            expect(result.statusCode).toBeLessThan(500);
          },
        ),
        { numRuns: RUNS },
      );
    },
    timeoutFor(RUNS),
  );
});

describe('bodies at the function URL limit', () => {
  const SIX_MB = 6_291_456;

  it('answers 413 to a body of 6 MB under the default 1 MiB limit, writing nothing', async () => {
    const { deps, ledger } = setup();
    const body = Buffer.alloc(SIX_MB, 0x61);

    const result = await receive(
      toWebhookRequest(functionUrlEvent({ body, signature: sign(body, SECRET) })),
      deps,
    );

    expect(result.statusCode).toBe(413);
    expect(ledger.calls).toEqual([]);
  });

  it('takes in an authentic 6 MB body when the limit allows it, storing it and publishing a pointer', async () => {
    const { deps, publisher } = setup();
    const body = Buffer.from(
      JSON.stringify({ id: 'big', type: 'check.updated', pad: 'x'.repeat(SIX_MB - 100) }),
    );
    const stored: string[] = [];
    const payloadStore = {
      put: async (key: string, bytes: Buffer) => {
        stored.push(key);
        return { bucket: 'b', key, bytes: bytes.length, sha256: 'digest' };
      },
    };

    const result = await receive(
      toWebhookRequest(functionUrlEvent({ body, signature: sign(body, SECRET) })),
      {
        ...deps,
        payloadStore,
        limits: { maxBodyBytes: SIX_MB },
      },
    );

    expect(result.statusCode).toBe(200);
    expect(stored).toHaveLength(1);
    expect(publisher.entries).toHaveLength(1);
    expect(Buffer.byteLength(publisher.entries[0]?.detail ?? '')).toBeLessThan(1_024);
  });
});
