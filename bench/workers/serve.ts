/**
 * Bench worker: loads a receiver bundle in this fresh process the way the Lambda runtime does
 * (`import()` of an ES module, `require` of a CommonJS one) and serves requests against the
 * emulators named in the environment. Writes its measurements to fd 3 as JSON.
 *
 * - `cold-start`: time the load (import plus whatever the bundle awaits at load), then the first
 *   request; nothing else runs in the process before or between.
 * - `throughput`: after the load and a warm-up, requests at one concurrency level, with the CPU
 *   this process, each emulator and the whole machine used meanwhile.
 */
import { readFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { LambdaFunctionURLEvent } from 'aws-lambda';

// Before anything else: how long Node took to reach this module.
const bootMs = performance.now();

/** What the parent asks for. */
export type ServeInput =
  | { readonly mode: 'cold-start'; readonly bundle: string; readonly event: LambdaFunctionURLEvent }
  /** The floor: load a module (the hello-world handler) and nothing else. */
  | { readonly mode: 'load-only'; readonly bundle: string }
  | {
      readonly mode: 'throughput';
      readonly bundle: string;
      /** A JSON file holding `warmup + requests` distinct signed events. */
      readonly eventsFile: string;
      readonly warmup: number;
      readonly requests: number;
      readonly concurrency: number;
      /** Emulator processes whose CPU to sample around each level (Linux only). */
      readonly watch: readonly WatchedProcess[];
    };

/** A process outside this one whose CPU the throughput levels report. */
export interface WatchedProcess {
  readonly name: string;
  readonly pid: number;
}

export interface ColdStartSample {
  /** Node's own start, until this worker's first line ran. The same for both bundles. */
  readonly bootMs: number;
  /** The bundle's import and everything it awaits at load (the secret prefetch). */
  readonly loadMs: number;
  /** The first request, claim to completion. */
  readonly firstRequestMs: number;
  readonly peakRssBytes: number;
}

export interface ThroughputLevel {
  readonly concurrency: number;
  readonly requests: number;
  readonly seconds: number;
  readonly latenciesMs: readonly number[];
  /** CPU this process used per second of the level: 1 is one core busy. */
  readonly processCores: number;
  /** CPU the whole machine was busy with per second, emulators included. */
  readonly machineCores: number;
  /** CPU each watched process used per second, when it could be read. */
  readonly watchedCores: Readonly<Record<string, number>>;
}

export interface ThroughputSample {
  readonly level: ThroughputLevel;
  /** The process's peak RSS: load, warm-up and the level. */
  readonly peakRssBytes: number;
}

interface Response {
  readonly statusCode: number;
  readonly body: string;
}

type Handler = (
  event: LambdaFunctionURLEvent,
  context: { awsRequestId: string; getRemainingTimeInMillis(): number },
) => Promise<Response>;

interface LoadedModule {
  readonly handler?: unknown;
  readonly ready?: unknown;
}

async function loadHandler(bundle: string): Promise<Handler> {
  const loaded: LoadedModule = bundle.endsWith('.cjs')
    ? (createRequire(import.meta.url)(bundle) as LoadedModule)
    : ((await import(pathToFileURL(bundle).href)) as LoadedModule);
  // A CommonJS bundle cannot await at load; it exports what it started instead (see bench/bundles.ts).
  if (loaded.ready instanceof Promise) await loaded.ready;
  if (typeof loaded.handler !== 'function') throw new Error(`${bundle} exports no handler function.`);
  return loaded.handler as Handler;
}

let requestCount = 0;
let lastLogLine = '';

// The handler's log line says why a request failed (error names and messages, never a secret);
// keep the last one for the error below, and let every line through as Lambda would.
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  lastLogLine = String(chunk).trim();
  return write(chunk, ...rest);
}) as typeof process.stdout.write;

async function serveAccepted(handler: Handler, event: LambdaFunctionURLEvent): Promise<void> {
  requestCount += 1;
  const response = await handler(event, lambdaContext(`bench-${requestCount}`));
  if (response.statusCode !== 200 || !response.body.includes('"accepted"')) {
    throw new Error(
      `Request ${requestCount}, a new signed event, was not accepted (${response.statusCode}); the bench ` +
        `measures successful requests only. An emulator that stalls under load does this: run again.\n` +
        `The receiver logged: ${lastLogLine}`,
    );
  }
}

function machineBusy(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    busy += times.user + times.nice + times.sys + times.irq;
    total += times.user + times.nice + times.sys + times.irq + times.idle;
  }
  return { busy, total };
}

/** CPU seconds a process has used, from /proc (Linux); undefined where that cannot be read. */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: utime is the
    // 14th field of the line and stime the 15th, in clock ticks (100 a second on Linux).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

function sampleWatched(watch: readonly WatchedProcess[]): Map<string, number> {
  const samples = new Map<string, number>();
  for (const { name, pid } of watch) {
    const seconds = processCpuSeconds(pid);
    if (seconds !== undefined) samples.set(name, seconds);
  }
  return samples;
}

async function coldStart(input: Extract<ServeInput, { mode: 'cold-start' }>): Promise<ColdStartSample> {
  const started = performance.now();
  const handler = await loadHandler(input.bundle);
  const loaded = performance.now();
  await serveAccepted(handler, input.event);
  const served = performance.now();
  return {
    bootMs,
    loadMs: loaded - started,
    firstRequestMs: served - loaded,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

async function loadOnly(input: Extract<ServeInput, { mode: 'load-only' }>): Promise<ColdStartSample> {
  const started = performance.now();
  await loadHandler(input.bundle);
  return {
    bootMs,
    loadMs: performance.now() - started,
    firstRequestMs: 0,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

async function throughput(input: Extract<ServeInput, { mode: 'throughput' }>): Promise<ThroughputSample> {
  const events = JSON.parse(readFileSync(input.eventsFile, 'utf8')) as LambdaFunctionURLEvent[];
  const needed = input.warmup + input.requests;
  if (events.length < needed)
    throw new Error(`${input.eventsFile} holds ${events.length} events, ${needed} needed.`);
  const handler = await loadHandler(input.bundle);
  let next = 0;
  const take = (): LambdaFunctionURLEvent => {
    const event = events[next++];
    if (event === undefined) throw new Error('Ran out of bench events.');
    return event;
  };
  for (let i = 0; i < input.warmup; i++) await serveAccepted(handler, take());

  const latenciesMs: number[] = [];
  const worker = async (): Promise<void> => {
    while (next < needed) {
      const event = take();
      const begun = performance.now();
      await serveAccepted(handler, event);
      latenciesMs.push(performance.now() - begun);
    }
  };
  const cpuBefore = process.cpuUsage();
  const machineBefore = machineBusy();
  const watchedBefore = sampleWatched(input.watch);
  const begun = performance.now();
  await Promise.all(Array.from({ length: input.concurrency }, worker));
  const seconds = (performance.now() - begun) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const machineAfter = machineBusy();
  const watchedAfter = sampleWatched(input.watch);
  const watchedCores: Record<string, number> = {};
  for (const [name, after] of watchedAfter) {
    const before = watchedBefore.get(name);
    if (before !== undefined) watchedCores[name] = (after - before) / seconds;
  }
  const machineShare =
    (machineAfter.busy - machineBefore.busy) / Math.max(1, machineAfter.total - machineBefore.total);
  return {
    level: {
      concurrency: input.concurrency,
      requests: input.requests,
      seconds,
      latenciesMs,
      processCores: (cpu.user + cpu.system) / 1e6 / seconds,
      machineCores: machineShare * cpus().length,
      watchedCores,
    },
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

const input = JSON.parse(process.argv[2] ?? '{}') as ServeInput;
const result =
  input.mode === 'cold-start'
    ? await coldStart(input)
    : input.mode === 'load-only'
      ? await loadOnly(input)
      : await throughput(input);
writeSync(3, JSON.stringify(result));
// The SDK keeps its connections alive; the measurement is over.
process.exit(0);

/** What Lambda passes with each invocation: the receiver's deadline comes from it (a 10 s timeout). */
function lambdaContext(awsRequestId: string): { awsRequestId: string; getRemainingTimeInMillis(): number } {
  const endsAt = performance.now() + 10_000;
  return { awsRequestId, getRemainingTimeInMillis: () => Math.round(endsAt - performance.now()) };
}
