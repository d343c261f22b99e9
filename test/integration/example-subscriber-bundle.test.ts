/**
 * The `check.completed*` example subscriber as it is deployed: bundled with the options users'
 * functions get (`esbuildOptions`, the same bytes as `functionBundling()`), loaded in a fresh
 * `node` process as Lambda loads it, with the environment its subscription sets, against
 * DynamoDB Local (its `once` / `order` table) and moto (its dead-letter queue).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBSCRIBER_ENV } from '../../contract/subscriber.js';
import { newEventId } from '../../fixtures/complycube.js';
import { esbuildOptions } from '../../infra/bundling.js';
import { busEvent, fixtureBusEvent, type TestBusEvent } from '../helpers/bus-events.js';
import { createQueue, createTable, drainMessages, useEmulatorEnv } from '../support/aws-env.js';

const ENTRY = fileURLToPath(new URL('../../functions/example-subscriber/handler.ts', import.meta.url));

let dir: string;
let bundle: string;
let env: Record<string, string>;
let queueUrl: string;

beforeAll(async () => {
  useEmulatorEnv();
  dir = mkdtempSync(join(tmpdir(), 'example-subscriber-'));
  bundle = join(dir, 'index.mjs');
  await build({ ...esbuildOptions(ENTRY, bundle, 'function'), logLevel: 'error' });
  const [table, queue] = await Promise.all([createTable('example-subscriber'), createQueue('example-dlq')]);
  queueUrl = queue;
  env = {
    [SUBSCRIBER_ENV.subscription]: `OnCheckCompletedAll-${randomUUID().slice(0, 8)}`,
    [SUBSCRIBER_ENV.table]: table,
    [SUBSCRIBER_ENV.deadLetterQueueUrl]: queue,
  };
}, 120_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Invocation {
  readonly ok: boolean;
  readonly error?: string;
}

/** What one Lambda environment did with a sequence of events: each invocation's result, and everything it printed. */
interface Run {
  readonly results: readonly Invocation[];
  readonly lines: readonly Record<string, unknown>[];
}

/** The process Lambda would run: load the bundle once, then one invocation per event, in turn. */
const INVOKER = `
const events = JSON.parse(process.argv[1]);
const { handler } = await import(process.argv[2]);
for (const event of events) {
  const context = { getRemainingTimeInMillis: () => 10000, invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:example', awsRequestId: crypto.randomUUID() };
  try {
    await handler(event, context);
    process.stdout.write(JSON.stringify({ invocation: { ok: true } }) + '\\n');
  } catch (error) {
    process.stdout.write(JSON.stringify({ invocation: { ok: false, error: error.name } }) + '\\n');
  }
}
`;

function runBundle(events: readonly TestBusEvent[]): Promise<Run> {
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', INVOKER, JSON.stringify(events), bundle],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`the bundle's process exited ${code}:\n${stderr}`));
      const parsed = stdout
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({
        results: parsed.flatMap((line) =>
          line.invocation === undefined ? [] : [line.invocation as Invocation],
        ),
        lines: parsed.filter((line) => line.invocation === undefined),
      });
    });
  });
}

function idOf(event: TestBusEvent): string {
  return String((event.detail as { id: unknown }).id);
}

/** The runtime's one line per event: its outcome. */
function outcomes(run: Run): string[] {
  return run.lines.filter((line) => 'subscription' in line).map((line) => String(line.message));
}

/** The example's own line per event it actually handled. */
function handled(run: Run): Record<string, unknown>[] {
  return run.lines.filter((line) => line.message === 'check completed');
}

function check(type: string, checkId: string, updatedAt: string): TestBusEvent {
  return fixtureBusEvent(type, { id: newEventId(), payload: { id: checkId, updatedAt } });
}

describe('the bundled check.completed* example subscriber', () => {
  it('logs one line per event it handled, and the runtime says ran, skipped: duplicate, skipped: stale', async () => {
    const checkId = newEventId();
    const clear = check('check.completed.clear', checkId, '2026-01-01T10:00:05.000Z');
    const sameState = check('check.completed', checkId, '2026-01-01T10:00:05.000Z');
    const older = check('check.completed.attention', checkId, '2026-01-01T10:00:01.000Z');
    const other = check('check.completed.rejected', newEventId(), '2026-01-01T10:00:00.000Z');

    const run = await runBundle([clear, clear, sameState, older, other]);

    expect(run.results.every((result) => result.ok)).toBe(true);
    expect(outcomes(run)).toEqual(['ran', 'skipped: duplicate', 'skipped: stale', 'skipped: stale', 'ran']);
    expect(handled(run)).toEqual([
      expect.objectContaining({ eventId: idOf(clear), checkId, outcome: 'clear' }),
      expect.objectContaining({ eventId: idOf(other), outcome: 'rejected' }),
    ]);
  });

  it('handles an event once across two Lambda environments that get it at the same time', async () => {
    const event = check('check.completed.clear', newEventId(), '2026-01-01T10:00:05.000Z');

    const runs = await Promise.all([runBundle([event]), runBundle([event])]);

    expect(runs.flatMap(handled)).toHaveLength(1);
    // The other copy was either skipped as a duplicate or refused as in progress (Lambda retries it).
    const rest = runs.flatMap((run, index) =>
      handled(run).length === 1 ? [] : [{ outcome: outcomes(run)[0], result: runs[index]?.results[0] }],
    );
    expect(rest).toHaveLength(1);
    expect(
      rest[0]?.outcome === 'skipped: duplicate' || rest[0]?.result?.error === 'EventInProgressError',
    ).toBe(true);
    // Lambda's retry of that copy, later: a duplicate.
    const retry = await runBundle([event]);
    expect(outcomes(retry)).toEqual(['skipped: duplicate']);
  });

  it('sends an invalid event to the dead-letter queue with its reason and returns, so Lambda does not retry it', async () => {
    const invalid = busEvent('com.complycube', 'check.completed.clear', {
      id: newEventId(),
      type: 'check.completed.clear',
    });

    const run = await runBundle([invalid]);

    expect(run.results).toEqual([{ ok: true }]);
    expect(handled(run)).toEqual([]);
    expect(outcomes(run)).toEqual(['rejected: invalid event']);
    const messages = await drainMessages(queueUrl);
    expect(messages.map((message) => message.attributes.ERROR_MESSAGE)).toEqual([
      'detail.resourceType is missing',
    ]);
  });

  it('refuses to start without its table, naming the option to add', async () => {
    const saved = env;
    env = { ...env, [SUBSCRIBER_ENV.table]: '' };
    try {
      await expect(runBundle([])).rejects.toThrow(
        /SUBSCRIBER_TABLE_NAME is not set\. Pass the same option to receiver\.subscribe\(\)/,
      );
    } finally {
      env = saved;
    }
  });
});
