/**
 * Runs a bench worker in a fresh `node` process (no loader, no flags: the way Lambda starts one)
 * and reads its result from file descriptor 3, which keeps it apart from the handler's own log
 * lines on stdout.
 */
import { spawn } from 'node:child_process';

/** The output a worker writes to fd 3: one JSON document. */
export const RESULT_FD = 3;

export interface WorkerRun {
  /** The `node` binary to run it on. */
  readonly node: string;
  /** The bundled worker (`.mjs`). */
  readonly script: string;
  /** Passed to the worker as its only argument, as JSON. */
  readonly input: unknown;
  /** The whole environment of the worker: nothing is inherited. */
  readonly env: Readonly<Record<string, string>>;
  /** Kill the worker after this long. @default 300_000 */
  readonly timeoutMs?: number;
}

const TAIL_CHARS = 4_000;

/**
 * Spawns the worker, waits for it to exit, and returns what it wrote to fd 3, parsed.
 * Rejects with the worker's stderr when it fails, times out or writes no result.
 *
 * @example
 * const result = await runWorker<ColdStartResult>({ script, input: { bundle, event }, env });
 */
export function runWorker<T>(run: WorkerRun): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(run.node, [run.script, JSON.stringify(run.input)], {
      env: { ...run.env },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    const result: Buffer[] = [];
    let stderr = '';
    // The handler logs to stdout; keep the pipe flowing so a full buffer never blocks it.
    child.stdout?.resume();
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-TAIL_CHARS);
    });
    child.stdio[RESULT_FD]?.on('data', (chunk: Buffer) => result.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), run.timeoutMs ?? 300_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`Could not start the bench worker ${run.script}.`, { cause: error }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const text = Buffer.concat(result).toString('utf8');
      if (code !== 0 || text === '') {
        const how = signal !== null ? `was killed by ${signal}` : `exited with code ${String(code)}`;
        reject(
          new Error(`The bench worker ${run.script} ${how}.\n--- its stderr ---\n${stderr || '(empty)'}`),
        );
        return;
      }
      try {
        resolve(JSON.parse(text) as T);
      } catch (error) {
        reject(
          new Error(`The bench worker ${run.script} wrote a result that is not JSON: ${text.slice(0, 200)}`, {
            cause: error,
          }),
        );
      }
    });
  });
}
