/**
 * End to end: `complycube-webhooks dev` as a child process (its own emulators, the synthesized app,
 * the bundled functions), fed by the sender CLI with every fixture type, duplicates and a forged
 * request; then stopped with SIGINT, leaving no process behind.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFixtureTypes } from '../../fixtures/complycube.js';
import {
  CLI,
  DEV_STARTUP_MS,
  type DevStackProcess,
  type LogRecord,
  startDevStack,
} from '../support/dev-stack-process.js';

const run = promisify(execFile);

let stack: DevStackProcess;
const of = (kind: string): LogRecord[] => stack.of(kind);

/** Processes still running (zombies waiting for init do not count) in any of these process groups. */
async function liveProcessesIn(groups: readonly number[]): Promise<string[]> {
  const { stdout } = await run('ps', ['-A', '-o', 'pid=,pgid=,stat=,comm=']);
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, pgid, stat]) => groups.includes(Number(pgid)) && stat !== undefined && !stat.startsWith('Z'))
    .map((fields) => fields.join(' '));
}

/**
 * What is still running in the group once it has emptied, or after 10 s. A process's children
 * that end when its pipes close (tsx's compiler service) may take a moment after it exits.
 */
async function groupEmptied(group: number): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const live = await liveProcessesIn([group]);
    if (live.length === 0 || Date.now() > deadline) return live;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function send(...args: string[]): Promise<{ code: number; lines: LogRecord[] }> {
  const ready = of('ready')[0];
  const url = (ready?.receivers as { url: string }[] | undefined)?.[0]?.url ?? '';
  const env = {
    ...process.env,
    WEBHOOK_SECRET: stack.secret(),
  };
  const result = await run(process.execPath, [CLI, 'send', ...args, '--url', url, '--json'], { env }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code?: number; stdout?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '' }),
  );
  return {
    code: result.code,
    lines: result.stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LogRecord),
  };
}

beforeAll(async () => {
  stack = await startDevStack({ args: ['--time-scale', '0.001'] });
}, DEV_STARTUP_MS + 10_000);

afterAll(async () => {
  // Normally stopped by the test itself; after a failure, stop it here (Ctrl-C, then SIGKILL).
  await stack?.stop();
});

describe('npm run dev, fed by the sender CLI', () => {
  it('runs the example subscriber once per unique check.completed* event and state, never for a forged one, and leaves nothing behind on SIGINT', async () => {
    const types = listFixtureTypes();
    const sent = await send('--all', '--duplicate', '--concurrency', '4', '--shuffle');
    expect(sent.code).toBe(0);
    const responses = sent.lines.filter((line) => line.kind === 'response');
    expect(responses).toHaveLength(types.length * 2);
    const ids = new Map<string, string>();
    for (const response of responses) ids.set(String(response.eventId), String(response.eventType));
    expect([...new Set(ids.values())].sort()).toEqual(types);

    const forged = await send('check.completed.clear', '--tamper');
    expect(forged.code).toBe(0);
    const forgedResponse = forged.lines.find((line) => line.kind === 'response');
    expect(forgedResponse).toMatchObject({ status: 401, verdict: 'forged', judgement: 'expected' });
    const forgedId = String(forgedResponse?.eventId);

    const matching = [...ids].filter(([, type]) => type.startsWith('check.completed')).map(([id]) => id);
    expect(matching).toHaveLength(5);
    const exampleDeliveries = (): LogRecord[] =>
      of('delivery').filter((d) => d.function === 'ExampleCheckCompleted');
    await stack.until(
      () => exampleDeliveries().length >= matching.length,
      'a delivery per check.completed* event',
    );

    // Every request is in the log with its verdict; each event accepted once.
    await stack.until(() => of('request').length >= types.length * 2 + 1, 'every request in the log');
    const requests = of('request');
    const accepted = requests.filter((r) => r.verdict === 'accepted').map((r) => r.eventId);
    expect(accepted.sort()).toEqual([...ids.keys()].sort());
    expect(requests.filter((r) => r.verdict === 'forged')).toEqual([
      expect.objectContaining({ status: 401, reason: 'mismatch' }),
    ]);

    // Stop it, as Ctrl-C does, and let every last line out.
    const pid = stack.child.pid ?? 0;
    process.kill(pid, 'SIGINT');
    expect(await stack.exited).toEqual({ code: 0, signal: null });
    expect(of('stopped')).toHaveLength(1);

    const deliveries = exampleDeliveries();
    expect(deliveries.every((d) => d.outcome === 'ok' && d.attempt === 1)).toBe(true);
    expect(deliveries.map((d) => d.eventId).sort()).toEqual([...matching].sort());
    expect(deliveries.some((d) => d.eventId === forgedId)).toBe(false);
    // The example uses once and order: 'latest'. Five events about four checks: each check's
    // state ran; check.completed and check.completed.clear of one check may be one state.
    const handled = deliveries.map((d) => d.handled);
    expect(handled.every((h) => h === 'ran' || h === 'skipped: stale')).toBe(true);
    const ran = deliveries.filter((d) => d.handled === 'ran');
    expect(ran.length).toBeGreaterThanOrEqual(4);
    // One line of the example's own per event it ran, carrying the event id.
    for (const d of ran) {
      const own = (d.output as string[]).filter((line) => line.includes('"message":"check completed"'));
      expect(own).toEqual([expect.stringContaining(`"eventId":"${String(d.eventId)}"`)]);
    }
    // The rule matched what it should and nothing else.
    const routed = of('routing').filter((r) =>
      (r.rules as string[]).includes('ComplyCube/OnCheckCompletedAll'),
    );
    expect(routed.map((r) => r.eventId).sort()).toEqual([...matching].sort());

    // No process is left running: not in the dev stack's own group (tsx's compiler service ends
    // when its pipe closes), not in the emulators' groups (stopped and reaped before exit).
    const emulatorGroups = (of('ready')[0]?.processGroups as number[] | undefined) ?? [];
    expect(emulatorGroups).toHaveLength(4);
    expect(await liveProcessesIn(emulatorGroups)).toEqual([]);
    expect(await groupEmptied(pid)).toEqual([]);
  }, 180_000);
});
