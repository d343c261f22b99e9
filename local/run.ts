/**
 * `npm run dev`: the deployable app, running on this machine. Synthesizes the app, starts DynamoDB
 * Local (or, without Java, serves DynamoDB from moto) and moto, creates what the template declares, serves each receiver's function URL on
 * loopback and invokes the subscribers their rules match, logging all of it live. Ctrl-C stops
 * every process it started.
 */
import { join } from 'node:path';
import type { CliIo } from '../cli/kit/io.js';
import { colorsWanted, formatDuration, paint } from '../cli/kit/terminal.js';
import { Cleanup } from './cleanup.js';
import {
  type ComplyCubeApiEmulator,
  startComplyCubeApiEmulator,
} from './complycube-api-emulator/emulator.js';
import { receiverConnectState } from './connect-state.js';
import { type RunningEmulator, startDynamoDbLocal, startMoto } from './emulators.js';
import { EventRouter } from './event-router.js';
import { PortInUseError } from './function-url-server.js';
import { InspectorActions } from './inspector/actions.js';
import { complyCubeWebhookPanel } from './inspector/complycube-panel.js';
import { DeliveryStore } from './inspector/delivery-store.js';
import { startInspector } from './inspector/server.js';
import { type JavaStatus, javaStatus } from './java-check.js';
import { jsonReporter, prettyReporter, type Reporter } from './live-log.js';
import { type EmulatorEndpoints, localFunctions, warmFunctions } from './local-functions.js';
import { emulatorClients, type ProvisionedStack, provision } from './provision.js';
import { motoPython } from './python-env.js';
import { readyRecord } from './ready.js';
import { assertPortFree, serveReceivers } from './receiver-server.js';
import {
  clearStackState,
  DEFAULT_INSPECTOR_PORT,
  DEFAULT_PORT,
  localSecret,
  PROJECT_VENV_DIR,
  secretFile,
  writeStackState,
} from './state.js';
import { type Synthesis, synthesize } from './synth.js';
import { readStack } from './template.js';

/** What the local stack was asked to do (`complycube-webhooks dev`'s options, validated). */
export interface DevOptions {
  /** The port asked for; `undefined` means the default, or the next free one if that is taken. */
  readonly port: number | undefined;
  /** Print JSON lines instead of the human log (for scripts and tests). */
  readonly json: boolean;
  /** Multiplies the retry delays of subscriber invocations (Lambda waits 1 min, then 2 min). */
  readonly timeScale: number;
  /** Where the secret, the synthesized app and `server.json` live. */
  readonly stateDir: string;
  /** `-c key=value` pairs passed to `cdk synth`. */
  readonly context: readonly string[];
  /**
   * The inspector page's port; `undefined` means `DEFAULT_INSPECTOR_PORT` or the next free one (any
   * free one when `port` is 0).
   */
  readonly inspectorPort: number | undefined;
  /**
   * `local`: also run the ComplyCube API emulator, so `connect` and `status` work without an account.
   * @default none
   */
  readonly complyCubeApi?: 'local';
  /**
   * Deliver every event to each subscriber function twice, one copy after the other, as
   * EventBridge's at-least-once delivery may.
   * @default false
   */
  readonly deliverTwice?: boolean;
}

/**
 * Runs the local stack until `io.interrupt` fires; resolves to the exit code. The steps: check the
 * tools and the port, synthesize the app while the emulators start, create what the templates
 * declare, start the functions, route the bus's events to them, serve each receiver's URL, and
 * wait; then stop everything it started, newest first.
 *
 * @example
 * await runDev(parseDevArgs([]), { stdout: process.stdout, stderr: process.stderr, env: process.env, interrupt });
 */
export async function runDev(options: DevOptions, io: CliIo): Promise<number> {
  const colour = paint(!options.json && colorsWanted(io.stdout, io.env));
  const write = (text: string): void => {
    io.stdout.write(text);
  };
  const report: Reporter = options.json ? jsonReporter(write) : prettyReporter(write, colour);
  const started = performance.now();
  const cleanup = new Cleanup();

  // The SDK's note about this Node.js version would interleave with the log; the banner says it once.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    // DynamoDB Local needs Java 17; without it moto serves DynamoDB too (it answers a failed
    // conditional put with the old item, as the ledger needs). The tests and CI keep DynamoDB Local.
    const java = await javaStatus();
    if (!java.usable) {
      report({
        kind: 'warning',
        text: `No Java 17 (${java.why}): DynamoDB is served by moto instead of DynamoDB Local. Fine for trying the stack; the tests and CI use DynamoDB Local (install Java 17+: \`apt-get install openjdk-17-jre-headless\` or \`brew install openjdk@17\`).`,
      });
    }
    if (options.port !== undefined && options.port !== 0) await assertPortFree(options.port);
    const secret = localSecret(options.stateDir);
    if (secret.created)
      report({ kind: 'progress', text: `created a local webhook secret in ${secretFile(options.stateDir)}` });

    const startup = await synthesizeAndStartEmulators(options, java, io, cleanup, report);
    if (startup === 'interrupted') return await stopped(cleanup, report, 130);
    const { synth, emulators, endpoints } = startup;

    const clients = emulatorClients(endpoints);
    cleanup.add('the emulator clients', async () => clients.destroy());
    const stacks: ProvisionedStack[] = [];
    for (const stack of synth.stacks) {
      const model = readStack(stack.name, stack.template, synth.assemblyDir);
      stacks.push(await provision(model, clients, { webhookSecret: secret.value }));
    }
    const receivers = stacks.flatMap((stack) => stack.receivers);
    if (receivers.length === 0) {
      throw new Error(
        'The app has no function URL to serve: the local stack needs a WebhookReceiver in the app (infra/app.ts).',
      );
    }

    const functions = localFunctions(stacks, endpoints, options.stateDir, report);
    cleanup.add('the functions', () => Promise.all([...functions.values()].map((fn) => fn.stop())));
    await warmFunctions(functions, receivers, report);

    // What the inspector page shows; the terminal log is fed as before.
    const store = new DeliveryStore();
    const router = new EventRouter({
      stacks,
      clients,
      functions,
      report,
      timeScale: options.timeScale,
      deliverTwice: options.deliverTwice === true,
      observer: {
        routed: (event, to) => store.routed(event, to),
        delivered: (event, record) => store.delivered(event, record),
      },
    });
    router.start();
    cleanup.add('the event router', () => router.stop());

    const servers = await serveReceivers(
      receivers,
      functions,
      router,
      store,
      report,
      { asked: options.port, fallback: DEFAULT_PORT },
      ({ receiver, server }) =>
        cleanup.add(`the local URL of ${receiver.fn.displayName}`, () => server.close()),
    );
    if (servers[0] !== undefined && options.port === undefined && servers[0].server.port !== DEFAULT_PORT) {
      report({
        kind: 'warning',
        text: `Port ${DEFAULT_PORT} is in use, so the receiver listens on ${servers[0].server.port}. \`send\` finds it by itself.`,
      });
    }

    let complyCubeApi: ComplyCubeApiEmulator | undefined;
    if (options.complyCubeApi === 'local') {
      // The emulator-only allowance: the local function URL is plain HTTP on loopback.
      complyCubeApi = await startComplyCubeApiEmulator({ allowHttpLoopbackWebhookUrls: true });
      const running = complyCubeApi;
      cleanup.add('the ComplyCube API emulator', () => running.close());
      report({
        kind: 'progress',
        text: `ComplyCube API emulator on ${complyCubeApi.url}: run \`npx complycube-webhooks connect\`, then \`status\``,
      });
    }
    writeStackState(options.stateDir, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      receivers: servers.map(({ receiver, server }) => {
        const stack = stacks.find((s) => s.model.stackName === receiver.stackName);
        const template = synth.stacks.find((s) => s.name === receiver.stackName)?.template;
        return {
          provider: receiver.provider,
          url: server.url,
          ...(stack === undefined || template === undefined
            ? {}
            : receiverConnectState(stack, template, receiver)),
        };
      }),
      emulators: endpoints,
      ...(complyCubeApi === undefined
        ? {}
        : { complyCubeApi: { url: complyCubeApi.url, apiKey: complyCubeApi.apiKey } }),
    });
    cleanup.add('server.json', async () => clearStackState(options.stateDir, process.pid));

    const inspector = await startInspector({
      store,
      actions: new InspectorActions({
        receivers: servers.map(({ receiver, server }) => ({ provider: receiver.provider, url: server.url })),
        secret: secret.value,
        store,
      }),
      receivers: servers.map(({ receiver, server }) => ({ provider: receiver.provider, url: server.url })),
      port: options.inspectorPort ?? (options.port === 0 ? 0 : DEFAULT_INSPECTOR_PORT),
      exactPort: options.inspectorPort !== undefined,
      panels: complyCubeApi === undefined ? [] : [complyCubeWebhookPanel(complyCubeApi)],
    });
    cleanup.add('the inspector', () => inspector.close());

    report(
      readyRecord(
        stacks,
        servers,
        inspector,
        emulators,
        endpoints,
        options,
        performance.now() - started,
        colour,
      ),
    );
    await interruption(io.interrupt);
    return await stopped(cleanup, report, 0);
  } catch (error) {
    await cleanup.run(report);
    if (error instanceof PortInUseError) {
      io.stderr.write(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

interface Startup {
  readonly synth: Synthesis;
  readonly emulators: readonly RunningEmulator[];
  readonly endpoints: EmulatorEndpoints;
}

/**
 * `cdk synth` while the emulators start (each is stopped by `cleanup`): moto, with the Python that
 * has it (installed into the project's environment on first use), and DynamoDB Local when Java can
 * run it; without Java, moto serves DynamoDB too.
 */
async function synthesizeAndStartEmulators(
  options: DevOptions,
  java: JavaStatus,
  io: CliIo,
  cleanup: Cleanup,
  report: Reporter,
): Promise<Startup | 'interrupted'> {
  report({
    kind: 'progress',
    text: `synthesizing the app (cdk synth) and starting ${java.usable ? 'DynamoDB Local and moto' : 'moto'}…`,
  });
  // A missing moto stops the start at once, not after the synth.
  const giveUp = new AbortController();
  const synthSignal =
    io.interrupt === undefined ? giveUp.signal : AbortSignal.any([io.interrupt, giveUp.signal]);
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, work: Promise<T>): Promise<T> => {
    const begun = performance.now();
    const result = await work;
    timings[name] = performance.now() - begun;
    return result;
  };
  const emulators: RunningEmulator[] = [];
  const started = (name: string) => (emulator: RunningEmulator) => {
    emulators.push(emulator);
    cleanup.add(name, () => emulator.stop());
    return emulator;
  };
  const [synth, dynamodb, moto] = await Promise.allSettled([
    timed(
      'synth',
      synthesize({
        outDir: join(options.stateDir, 'cdk.out'),
        context: options.context,
        signal: synthSignal,
      }),
    ),
    java.usable
      ? timed('dynamodb', startDynamoDbLocal()).then(started('DynamoDB Local'))
      : Promise.resolve(undefined),
    timed(
      'moto',
      motoPython({
        venvDir: PROJECT_VENV_DIR,
        progress: (text) => report({ kind: 'progress', text }),
        ...(io.interrupt === undefined ? {} : { signal: io.interrupt }),
      }).then(({ python }) => startMoto({ python })),
    ).then(started('moto'), (error: unknown) => {
      giveUp.abort();
      throw error;
    }),
  ]);
  if (io.interrupt?.aborted === true) return 'interrupted';
  // moto's failure first: it says what to install, and it is why the synth was stopped.
  for (const result of [moto, dynamodb, synth]) if (result.status === 'rejected') throw result.reason;
  if (synth.status !== 'fulfilled' || dynamodb.status !== 'fulfilled' || moto.status !== 'fulfilled') {
    throw new Error('unreachable');
  }
  const endpoints = { dynamodb: dynamodb.value?.endpoint ?? moto.value.endpoint, moto: moto.value.endpoint };
  report({
    kind: 'progress',
    text: `synthesized ${synth.value.stacks.map((s) => s.name).join(', ')} in ${formatDuration(timings.synth ?? 0)}; ${dynamodb.value === undefined ? `moto ${endpoints.moto} (DynamoDB too)` : `DynamoDB Local ${endpoints.dynamodb}, moto ${endpoints.moto}`}`,
  });
  return { synth: synth.value, emulators, endpoints };
}

/** Resolves when `signal` aborts (Ctrl-C), at once without one. */
function interruption(signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal === undefined || signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

async function stopped(cleanup: Cleanup, report: Reporter, code: number): Promise<number> {
  const begun = performance.now();
  report({ kind: 'stopping' });
  await cleanup.run(report);
  report({ kind: 'stopped', durationMs: performance.now() - begun });
  return code;
}
