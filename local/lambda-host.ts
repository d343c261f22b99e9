/**
 * Runs a Lambda function locally: one worker thread is one execution environment (cold start on
 * first use, warm after, reset after a timeout or a crash), with the function's own environment
 * variables, its timeout, and its output attributed to the invocation that wrote it.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { transformSync } from 'esbuild';
import type { FromWorker, ToWorker, WorkerContext, WorkerErrorInfo, WorkerSetup } from './lambda-protocol.js';

export interface LocalFunctionSpec {
  readonly name: string;
  /** For people: the construct path, e.g. `ExampleCheckCompleted`. */
  readonly displayName: string;
  readonly arn: string;
  readonly codeDir: string;
  readonly handler: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** The complete environment of the function. */
  readonly env: Readonly<Record<string, string>>;
}

/** A line the function wrote. */
export interface FunctionOutput {
  readonly requestId: string | undefined;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

export interface Invocation {
  readonly requestId: string;
  readonly ok: boolean;
  /** The JSON of what the handler returned. */
  readonly value?: unknown;
  readonly error?: WorkerErrorInfo;
  readonly durationMs: number;
  /** Set when this invocation started a new environment: how long loading the code took. */
  readonly initMs?: number;
  /** Lines the function wrote during this invocation. */
  readonly output: readonly string[];
}

interface Pending {
  readonly environment: Environment;
  readonly resolve: (invocation: Invocation) => void;
  readonly requestId: string;
  readonly started: number;
  readonly output: string[];
  readonly initMs: number | undefined;
  readonly timer: NodeJS.Timeout;
}

interface Environment {
  readonly worker: Worker;
  /** Resolves once the code is loaded: its init time, or the error that stopped it. */
  readonly ready: Promise<{ initMs: number } | { error: WorkerErrorInfo }>;
  initReported: boolean;
}

/**
 * The worker's entry, compiled once from its TypeScript source to a self-contained ES module (its
 * only imports are Node's), so an environment starts without a TypeScript loader of its own.
 */
let workerModule: URL | undefined;
function workerEntry(): URL {
  if (workerModule === undefined) {
    const source = readFileSync(new URL('./lambda-worker.ts', import.meta.url), 'utf8');
    const { code } = transformSync(source, {
      loader: 'ts',
      format: 'esm',
      target: 'node20',
      sourcefile: 'lambda-worker.ts',
    });
    workerModule = new URL(`data:text/javascript,${encodeURIComponent(code)}`);
  }
  return workerModule;
}

/**
 * A locally runnable function.
 *
 * @example
 * const fn = new LocalFunction(spec, (line) => console.log(line.text));
 * const result = await fn.invoke({ 'detail-type': 'check.completed', detail: {} });
 * await fn.stop();
 */
export class LocalFunction {
  private environment: Environment | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopped = false;

  constructor(
    readonly spec: LocalFunctionSpec,
    /** Output written outside any invocation (while loading, or by stray timers). */
    private readonly onStrayOutput: (output: FunctionOutput) => void,
  ) {}

  /** Starts an environment now (so the first event does not pay for it) and reports how loading went. */
  async warm(): Promise<{ initMs: number } | { error: WorkerErrorInfo }> {
    const environment = this.ensureEnvironment();
    environment.initReported = true;
    return environment.ready;
  }

  /** Invokes the function with `event`; never throws: a failure is an invocation with `ok: false`. */
  async invoke(event: unknown, requestId: string = randomUUID()): Promise<Invocation> {
    if (this.stopped) return this.failed(requestId, 0, 'Runtime.Stopped', 'The local stack is stopping.');
    const environment = this.ensureEnvironment();
    const started = performance.now();
    const ready = await environment.ready;
    if ('error' in ready) {
      // A failed init is retried by Lambda on the next invocation, in a new environment.
      this.reset(environment);
      return {
        requestId,
        ok: false,
        error: ready.error,
        durationMs: performance.now() - started,
        output: [],
      };
    }
    const initMs = environment.initReported ? undefined : ready.initMs;
    environment.initReported = true;
    const id = this.nextId++;
    const timeoutMs = this.spec.timeoutSeconds * 1000;
    const context: WorkerContext = {
      awsRequestId: requestId,
      functionName: this.spec.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: this.spec.arn,
      memoryLimitInMB: String(this.spec.memoryMb),
      logGroupName: `/aws/lambda/${this.spec.name}`,
      logStreamName: `local/[$LATEST]${randomUUID().replace(/-/g, '')}`,
      deadlineMs: Date.now() + timeoutMs,
    };
    return new Promise<Invocation>((resolve) => {
      const timer = setTimeout(() => {
        // Lambda stops the environment of a timed-out invocation; the next one starts cold.
        this.finish(id, {
          ok: false,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds`,
            trace: [],
          },
        });
        this.reset(environment);
      }, timeoutMs);
      this.pending.set(id, { environment, resolve, requestId, started, output: [], initMs, timer });
      const message: ToWorker = { type: 'invoke', id, event, context };
      environment.worker.postMessage(message);
    });
  }

  /** Stops the environment; pending invocations fail. */
  async stop(): Promise<void> {
    this.stopped = true;
    const environment = this.environment;
    if (environment !== undefined) {
      this.reset(environment);
      await environment.worker.terminate();
    }
  }

  private ensureEnvironment(): Environment {
    if (this.environment !== undefined) return this.environment;
    const setup: WorkerSetup = { codeDir: this.spec.codeDir, handler: this.spec.handler };
    const worker = new Worker(workerEntry(), {
      workerData: setup,
      env: { ...this.spec.env },
      execArgv: ['--enable-source-maps'],
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: Math.max(64, this.spec.memoryMb) },
    });
    worker.unref();
    let settle: (result: { initMs: number } | { error: WorkerErrorInfo }) => void = () => undefined;
    const ready = new Promise<{ initMs: number } | { error: WorkerErrorInfo }>((resolve) => {
      settle = resolve;
    });
    const environment: Environment = { worker, ready, initReported: false };
    worker.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'ready':
          settle({ initMs: message.initMs });
          break;
        case 'init-failed':
          settle({ error: message.error });
          break;
        case 'log':
          this.output(message.requestId, message.stream, message.text);
          break;
        case 'result':
          this.finish(
            message.id,
            message.ok ? { ok: true, value: message.value } : { ok: false, error: message.error },
          );
          break;
      }
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      worker[stream].on('data', (chunk: Buffer) => this.output(undefined, stream, chunk.toString('utf8')));
    }
    const crashed = (description: string): void => {
      settle({ error: { errorType: 'Runtime.ExitError', errorMessage: description, trace: [] } });
      if (this.environment === environment) this.environment = undefined;
      for (const [id, pending] of this.pending) {
        if (pending.environment !== environment) continue;
        this.finish(id, {
          ok: false,
          error: { errorType: 'Runtime.ExitError', errorMessage: description, trace: [] },
        });
      }
    };
    worker.on('error', (error) => crashed(`The environment crashed: ${error.message}`));
    worker.on('exit', (code) => crashed(`The environment exited (code ${code}).`));
    this.environment = environment;
    return environment;
  }

  private reset(environment: Environment): void {
    if (this.environment === environment) this.environment = undefined;
    void environment.worker.terminate();
  }

  private output(requestId: string | undefined, stream: 'stdout' | 'stderr', text: string): void {
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    const pending =
      requestId === undefined ? undefined : [...this.pending.values()].find((p) => p.requestId === requestId);
    for (const line of lines) {
      if (pending !== undefined) pending.output.push(line);
      else this.onStrayOutput({ requestId, stream, text: line });
    }
  }

  private finish(
    id: number,
    outcome: { ok: true; value: unknown } | { ok: false; error: WorkerErrorInfo },
  ): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve({
      requestId: pending.requestId,
      ...outcome,
      durationMs: performance.now() - pending.started,
      ...(pending.initMs === undefined ? {} : { initMs: pending.initMs }),
      output: pending.output,
    });
  }

  private failed(requestId: string, durationMs: number, errorType: string, errorMessage: string): Invocation {
    return { requestId, ok: false, error: { errorType, errorMessage, trace: [] }, durationMs, output: [] };
  }
}

/** Writes inline code (`Code.ZipFile`) where the worker can load it, as Lambda does: `index.js`. */
export function writeInlineCode(dir: string, code: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.js'), code);
  return dir;
}
