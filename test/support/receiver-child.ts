import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { receiverBundle } from './receiver-bundle.js';

export interface ReceiverChild {
  readonly url: string;
  readonly process: ChildProcess;
  /** SIGKILL, as a crashed Lambda environment: no cleanup, no answer. */
  crash(): void;
  /** Resolves once the process has exited. */
  exited(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('./receiver-process.ts', import.meta.url));

/** Starts the receiver's bundle in a child process with `env` on top of this process's environment. */
export async function startReceiverChild(
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<ReceiverChild> {
  const bundle = await receiverBundle();
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    env: { ...process.env, RECEIVER_BUNDLE: bundle, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`The receiver process did not start within ${timeoutMs} ms:\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /READY (\S+)/.exec(stderr);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The receiver process exited with ${code} before serving:\n${stderr.slice(-2000)}`));
    });
  });
  return {
    url,
    process: child,
    crash: () => child.kill('SIGKILL'),
    exited: () => exit,
  };
}
