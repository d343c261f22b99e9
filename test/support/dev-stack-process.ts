/**
 * `complycube-webhooks dev --json` as a child process in its own process group, with its JSON log
 * records collected as they come and a way to wait for one. For tests that need the whole local
 * stack (the browser tests, the stack on moto alone).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../bin/complycube-webhooks.js', import.meta.url));

/** Long enough for synth and both emulators on a busy 2-core machine. */
export const DEV_STARTUP_MS = 240_000;

export type LogRecord = Readonly<Record<string, unknown>> & { readonly kind: string };

export interface DevStackProcess {
  readonly child: ChildProcess;
  readonly stateDir: string;
  readonly records: readonly LogRecord[];
  /** Everything written to stderr so far. */
  stderr(): string;
  /** The records of one kind. */
  of(kind: string): LogRecord[];
  /** Resolves once `predicate` holds; fails with the stack's last output on timeout or exit. */
  until(predicate: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** The `ready` record's data (receivers, inspector, emulators…). */
  ready(): LogRecord;
  /** The local webhook secret (for signing outside the page). */
  secret(): string;
  /** Resolves with how it ended. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  /** SIGINT, as Ctrl-C; kills the group if it has not exited in 30 s; removes the state dir. */
  stop(): Promise<void>;
}

export interface DevStackOptions {
  /** Extra arguments after `dev --json --port 0 --inspector-port 0 --state-dir <tmp>`. */
  readonly args?: readonly string[];
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Starts the local stack and resolves once it is ready.
 *
 * @example
 * const stack = await startDevStack();
 * const url = String(stack.ready().inspector);
 * await stack.stop();
 */
export async function startDevStack(options: DevStackOptions = {}): Promise<DevStackProcess> {
  const stateDir = mkdtempSync(join(tmpdir(), 'dev-stack-'));
  const child = spawn(
    process.execPath,
    [
      CLI,
      'dev',
      '--json',
      '--port',
      '0',
      '--inspector-port',
      '0',
      '--state-dir',
      stateDir,
      ...(options.args ?? []),
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env },
  );
  const records: LogRecord[] = [];
  const waiters: { predicate: () => boolean; resolve: () => void; fail: (why: string) => void }[] = [];
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  void exited.then(({ code, signal }) => {
    for (const waiter of waiters.splice(0))
      waiter.fail(`the dev stack exited (code ${code}, signal ${signal})`);
  });
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') records.push(JSON.parse(line) as LogRecord);
    for (const waiter of [...waiters]) {
      if (waiter.predicate()) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });

  const of = (kind: string): LogRecord[] => records.filter((record) => record.kind === kind);
  const until = (predicate: () => boolean, what: string, timeoutMs = 60_000): Promise<void> => {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const fail = (why: string): void => {
        clearTimeout(timer);
        const last = records.slice(-10).map((r) => JSON.stringify(r));
        reject(
          new Error(
            `${why} while waiting for ${what}.\n--- stderr ---\n${stderr.slice(-4000)}\n--- last records ---\n${last.join('\n')}`,
          ),
        );
      };
      const timer = setTimeout(() => fail('Timed out'), timeoutMs);
      waiters.push({
        predicate,
        fail,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const timer = setTimeout(() => {
        try {
          process.kill(-(child.pid ?? 0), 'SIGKILL');
        } catch {
          // Already gone.
        }
      }, 30_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(stateDir, { recursive: true, force: true });
  };

  try {
    await until(() => of('ready').length > 0, 'the dev stack to be ready', DEV_STARTUP_MS);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    child,
    stateDir,
    records,
    stderr: () => stderr,
    of,
    until,
    ready: () => of('ready')[0] ?? { kind: 'ready' },
    secret: () => readFileSync(join(stateDir, 'webhook-secret'), 'utf8').trim(),
    exited,
    stop,
  };
}
