/**
 * One local Lambda execution environment, in a worker thread: loads the function's code the way the
 * Node.js runtime does (`<file>.<export>` from the code directory, `.js`, `.mjs` or `.cjs`), then
 * runs invocations the main thread sends. Everything the function writes to stdout or stderr is
 * forwarded with the request id of the invocation it belongs to.
 *
 * The environment variables are the function's own (set by the main thread on the worker), not the
 * developer's shell.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerContext, WorkerErrorInfo, WorkerSetup } from './lambda-protocol.js';

const port = parentPort;
if (port === null) throw new Error('lambda-worker.ts runs in a worker thread only.');
const setup = workerData as WorkerSetup;
const post = (message: FromWorker): void => port.postMessage(message);

const invocation = new AsyncLocalStorage<string>();

for (const stream of ['stdout', 'stderr'] as const) {
  const forward = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    post({ type: 'log', requestId: invocation.getStore(), stream, text });
    const callback = rest.find((arg) => typeof arg === 'function');
    if (typeof callback === 'function') (callback as () => void)();
    return true;
  };
  process[stream].write = forward as typeof process.stdout.write;
}

function errorInfo(error: unknown, fallbackType: string): WorkerErrorInfo {
  if (error instanceof Error) {
    return {
      errorType: error.name === 'Error' && fallbackType !== 'Error' ? fallbackType : error.name,
      errorMessage: error.message,
      trace: (error.stack ?? '')
        .split('\n')
        .slice(1)
        .map((line) => line.trim()),
    };
  }
  return { errorType: fallbackType, errorMessage: String(error), trace: [] };
}

type Handler = (
  event: unknown,
  context: unknown,
  callback?: (error: unknown, value?: unknown) => void,
) => unknown;

async function load(): Promise<Handler> {
  const dot = setup.handler.lastIndexOf('.');
  const modulePath = dot === -1 ? setup.handler : setup.handler.slice(0, dot);
  const exportName = dot === -1 ? 'handler' : setup.handler.slice(dot + 1);
  const file = ['.js', '.mjs', '.cjs']
    .map((extension) => join(setup.codeDir, `${modulePath}${extension}`))
    .find((candidate) => existsSync(candidate));
  if (file === undefined) {
    throw Object.assign(
      new Error(`Cannot find module '${modulePath}' in ${setup.codeDir} (handler '${setup.handler}').`),
      {
        name: 'Runtime.ImportModuleError',
      },
    );
  }
  const loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const exported =
    loaded[exportName] ?? (loaded.default as Record<string, unknown> | undefined)?.[exportName];
  if (typeof exported !== 'function') {
    throw Object.assign(new Error(`${modulePath}.${exportName} is undefined or not exported.`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  return exported as Handler;
}

function lambdaContext(context: WorkerContext): Record<string, unknown> {
  return {
    ...context,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, context.deadlineMs - Date.now()),
  };
}

function call(handler: Handler, event: unknown, context: Record<string, unknown>): Promise<unknown> {
  // Callback-style handlers (three parameters) finish through the callback; others return a promise.
  if (handler.length >= 3) {
    return new Promise((resolve, reject) => {
      const result = handler(event, context, (error, value) => (error ? reject(error) : resolve(value)));
      if (result instanceof Promise) result.then(resolve, reject);
    });
  }
  return Promise.resolve().then(() => handler(event, context));
}

const started = performance.now();
let handler: Handler | undefined;
try {
  handler = await load();
  post({ type: 'ready', initMs: performance.now() - started });
} catch (error) {
  post({ type: 'init-failed', error: errorInfo(error, 'Runtime.ImportModuleError') });
}

port.on('message', (message: ToWorker) => {
  const { id, event, context } = message;
  void invocation.run(context.awsRequestId, async () => {
    if (handler === undefined) {
      post({
        type: 'result',
        id,
        ok: false,
        error: {
          errorType: 'Runtime.InitError',
          errorMessage: 'The function failed to initialise.',
          trace: [],
        },
      });
      return;
    }
    try {
      const value = await call(handler, event, lambdaContext(context));
      // What Lambda returns is the JSON of the value.
      const json = value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
      post({ type: 'result', id, ok: true, value: json });
    } catch (error) {
      post({ type: 'result', id, ok: false, error: errorInfo(error, 'Error') });
    }
  });
});
