/**
 * `npm run dev`: the deployable app, running on this machine. Synthesizes the app, starts DynamoDB
 * Local and moto, creates what the template declares, serves each receiver's function URL on
 * loopback and invokes the subscribers their rules match, logging all of it live. Ctrl-C stops
 * every process it started.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { CliIo } from '../cli/kit/io.js';
import { colorsWanted, formatDuration, paint } from '../cli/kit/terminal.js';
import { type RunningEmulator, requireTools, startDynamoDbLocal, startMoto } from './emulators.js';
import { EventRouter, requestKeys } from './event-router.js';
import {
  type FunctionUrlHandler,
  type FunctionUrlServer,
  PortInUseError,
  startFunctionUrlServer,
  toFunctionUrlResponse,
} from './function-url-server.js';
import { InspectorActions } from './inspector/actions.js';
import { DeliveryStore } from './inspector/delivery-store.js';
import { type RunningInspector, startInspector } from './inspector/server.js';
import { type Invocation, LocalFunction, writeInlineCode } from './lambda-host.js';
import { jsonReporter, type LiveRecord, prettyReporter, type Reporter } from './live-log.js';
import {
  emulatorClients,
  LOCAL_CREDENTIALS,
  type LocalReceiver,
  type ProvisionedStack,
  provision,
} from './provision.js';
import {
  clearStackState,
  DEFAULT_INSPECTOR_PORT,
  DEFAULT_PORT,
  DEFAULT_STATE_DIR,
  localSecret,
  secretFile,
  writeStackState,
} from './state.js';
import { synthesize } from './synth.js';
import { type FunctionSpec, LOCAL_REGION, readStack, resolveValue } from './template.js';

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
}

/** Verdicts after which the receiver has put something on the bus. */
const PUBLISHED = new Set(['accepted', 'quarantined']);

class Cleanup {
  private readonly steps: { name: string; run: () => Promise<unknown> }[] = [];

  add(name: string, run: () => Promise<unknown>): void {
    this.steps.push({ name, run });
  }

  /** Runs every step, newest first; a failing step does not stop the others. */
  async run(report: Reporter): Promise<void> {
    for (const step of this.steps.reverse()) {
      await step
        .run()
        .catch((error: unknown) =>
          report({ kind: 'warning', text: `Stopping ${step.name} failed: ${String(error)}` }),
        );
    }
    this.steps.length = 0;
  }
}

/**
 * Runs the local stack until `io.interrupt` fires; resolves to the exit code.
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
  const interrupted = (): boolean => io.interrupt?.aborted === true;

  // The SDK's note about this Node.js version would interleave with the log; the banner says it once.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    await requireTools({
      needer: 'The local stack (`npm run dev`)',
      consequence: 'Install them, then run `npm run dev` again (README, "Tests" lists the tools).',
    });
    if (options.port !== undefined && options.port !== 0) await assertPortFree(options.port);
    const secret = localSecret(options.stateDir);
    if (secret.created)
      report({ kind: 'progress', text: `created a local webhook secret in ${secretFile(options.stateDir)}` });

    report({
      kind: 'progress',
      text: 'synthesizing the app (cdk synth) and starting DynamoDB Local and moto…',
    });
    const timings: Record<string, number> = {};
    const timed = async <T>(name: string, work: Promise<T>): Promise<T> => {
      const begun = performance.now();
      const result = await work;
      timings[name] = performance.now() - begun;
      return result;
    };
    const emulators: RunningEmulator[] = [];
    const [synth, dynamodb, moto] = await Promise.allSettled([
      timed(
        'synth',
        synthesize({
          outDir: join(options.stateDir, 'cdk.out'),
          context: options.context,
          signal: io.interrupt,
        }),
      ),
      timed('dynamodb', startDynamoDbLocal()).then((emulator) => {
        emulators.push(emulator);
        cleanup.add('DynamoDB Local', () => emulator.stop());
        return emulator;
      }),
      timed('moto', startMoto()).then((emulator) => {
        emulators.push(emulator);
        cleanup.add('moto', () => emulator.stop());
        return emulator;
      }),
    ]);
    if (interrupted()) return await stopped(cleanup, report, 130);
    for (const result of [synth, dynamodb, moto]) if (result.status === 'rejected') throw result.reason;
    if (synth.status !== 'fulfilled' || dynamodb.status !== 'fulfilled' || moto.status !== 'fulfilled') {
      throw new Error('unreachable');
    }
    const endpoints = { dynamodb: dynamodb.value.endpoint, moto: moto.value.endpoint };
    report({
      kind: 'progress',
      text: `synthesized ${synth.value.stacks.map((s) => s.name).join(', ')} in ${formatDuration(timings.synth ?? 0)}; DynamoDB Local ${endpoints.dynamodb}, moto ${endpoints.moto}`,
    });

    const clients = emulatorClients(endpoints);
    cleanup.add('the emulator clients', async () => clients.destroy());
    const stacks: ProvisionedStack[] = [];
    for (const stack of synth.value.stacks) {
      const model = readStack(stack.name, stack.template, synth.value.assemblyDir);
      stacks.push(await provision(model, clients, { webhookSecret: secret.value }));
    }
    const receivers = stacks.flatMap((stack) => stack.receivers);
    if (receivers.length === 0) {
      throw new Error(
        'The app has no function URL to serve: the local stack needs a WebhookReceiver in the app (infra/app.ts).',
      );
    }

    // Every function a URL or a rule can reach, each in its own local environment.
    const functions = new Map<string, LocalFunction>();
    for (const stack of stacks) {
      const reachable = new Set([
        ...stack.receivers.map((r) => r.fn.logicalId),
        ...stack.rules.flatMap((rule) =>
          rule.targets.flatMap((t) => (t.kind === 'function' ? [t.fn.logicalId] : [])),
        ),
      ]);
      for (const id of reachable) {
        const spec = stack.functions.get(id);
        if (spec === undefined) continue;
        const local = localFunction(stack, spec, endpoints, options.stateDir, report);
        if (local !== undefined) functions.set(`${stack.model.stackName}/${id}`, local);
      }
    }
    cleanup.add('the functions', () => Promise.all([...functions.values()].map((fn) => fn.stop())));
    const warmed = await Promise.all(
      [...functions.entries()].map(async ([key, fn]) => ({ key, fn, result: await fn.warm() })),
    );
    for (const { key, fn, result } of warmed) {
      if (!('error' in result)) continue;
      const isReceiver = receivers.some((r) => `${r.stackName}/${r.fn.logicalId}` === key);
      const text = `${fn.spec.displayName} failed to load: ${result.error.errorType}: ${result.error.errorMessage}`;
      if (isReceiver) throw new Error(text);
      report({
        kind: 'warning',
        text: `${text} (each event for it will fail until fixed; restart npm run dev after fixing)`,
      });
    }

    // What the inspector page shows; the terminal log is fed as before.
    const store = new DeliveryStore();
    const router = new EventRouter({
      stacks,
      clients,
      functions,
      report,
      timeScale: options.timeScale,
      observer: {
        routed: (event, to) => store.routed(event, to),
        delivered: (event, record) => store.delivered(event, record),
      },
    });
    router.start();
    cleanup.add('the event router', () => router.stop());

    const servers: { receiver: LocalReceiver; server: FunctionUrlServer }[] = [];
    let nextPort = options.port ?? DEFAULT_PORT;
    for (const receiver of receivers) {
      const fn = functions.get(`${receiver.stackName}/${receiver.fn.logicalId}`);
      if (fn === undefined) continue;
      const server = await listenOnce(
        receiver,
        fn,
        router,
        store,
        report,
        nextPort,
        options.port !== undefined && servers.length === 0,
      );
      cleanup.add(`the local URL of ${receiver.fn.displayName}`, () => server.close());
      servers.push({ receiver, server });
      nextPort = options.port === 0 ? 0 : server.port + 1;
    }
    if (servers[0] !== undefined && options.port === undefined && servers[0].server.port !== DEFAULT_PORT) {
      report({
        kind: 'warning',
        text: `Port ${DEFAULT_PORT} is in use, so the receiver listens on ${servers[0].server.port}. \`send\` finds it by itself.`,
      });
    }

    writeStackState(options.stateDir, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      receivers: servers.map(({ receiver, server }) => ({ provider: receiver.provider, url: server.url })),
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
    await new Promise<void>((resolve) => {
      if (io.interrupt === undefined || io.interrupt.aborted) resolve();
      else io.interrupt.addEventListener('abort', () => resolve(), { once: true });
    });
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

async function stopped(cleanup: Cleanup, report: Reporter, code: number): Promise<number> {
  const begun = performance.now();
  report({ kind: 'stopping' });
  await cleanup.run(report);
  report({ kind: 'stopped', durationMs: performance.now() - begun });
  return code;
}

/** Fails fast, before minutes of start-up, when a port the user named is taken. */
function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, { cause: error }) : error),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

function localFunction(
  stack: ProvisionedStack,
  spec: FunctionSpec,
  endpoints: { dynamodb: string; moto: string },
  stateDir: string,
  report: Reporter,
): LocalFunction | undefined {
  if (!spec.runtime.startsWith('nodejs')) {
    report({
      kind: 'warning',
      text: `${spec.displayName} runs on ${spec.runtime}; the local stack runs Node.js functions only, so its events are logged but not delivered.`,
    });
    return undefined;
  }
  const codeDir =
    spec.codeDir ??
    (spec.inlineCode === undefined
      ? undefined
      : writeInlineCode(join(stateDir, 'inline', spec.logicalId), spec.inlineCode));
  if (codeDir === undefined) {
    report({
      kind: 'warning',
      text: `${spec.displayName} has no local code (not a bundled asset); its events are logged but not delivered.`,
    });
    return undefined;
  }
  const own: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.environment)) {
    const resolved = resolveValue(value, stack.physical, stack.model.stackName);
    if (resolved !== undefined)
      own[name] = typeof resolved === 'string' ? resolved : JSON.stringify(resolved);
  }
  const arn = String(
    resolveValue({ 'Fn::GetAtt': [spec.logicalId, 'Arn'] }, stack.physical, stack.model.stackName),
  );
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    ...own,
    // What Lambda sets, and the emulators in place of AWS: nothing a local function does reaches AWS.
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL: endpoints.moto,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: endpoints.dynamodb,
    AWS_LAMBDA_FUNCTION_NAME: spec.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.name}`,
    AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
    LAMBDA_TASK_ROOT: codeDir,
    _HANDLER: spec.handler,
    // The functions run on this machine's Node.js, not the runtime's; the SDK's note about old
    // versions would repeat in every environment.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  return new LocalFunction(
    {
      name: spec.name,
      displayName: spec.displayName,
      arn,
      codeDir,
      handler: spec.handler,
      timeoutSeconds: spec.timeoutSeconds,
      memoryMb: spec.memoryMb,
      env,
    },
    (output) => report({ kind: 'function-output', function: spec.displayName, text: output.text }),
  );
}

/** Thrown into the function URL server when the invocation failed: it answers 502, as AWS does. */
class InvocationFailed extends Error {
  override readonly name = 'InvocationFailed';
}

async function listenOnce(
  receiver: LocalReceiver,
  fn: LocalFunction,
  router: EventRouter,
  store: DeliveryStore,
  report: Reporter,
  port: number,
  exact: boolean,
): Promise<FunctionUrlServer> {
  let ownUrl = '';
  const invocations = new Map<string, Invocation>();
  const held = new Map<string, string[]>();
  const handler: FunctionUrlHandler = async (event) => {
    const requestId = event.requestContext.requestId;
    const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
    const keys = requestKeys(body);
    router.hold(keys);
    held.set(requestId, keys);
    const result = await fn.invoke(event, requestId);
    invocations.set(requestId, result);
    if (!result.ok) throw new InvocationFailed(`${result.error?.errorType}: ${result.error?.errorMessage}`);
    return toFunctionUrlResponse(result.value);
  };
  const onResponse = async (
    info: Parameters<NonNullable<Parameters<typeof startFunctionUrlServer>[1]>['onResponse'] & {}>[0],
  ) => {
    const requestId = info.event?.requestContext.requestId ?? '';
    const invocation = invocations.get(requestId);
    invocations.delete(requestId);
    const logLine = receiverLog(receiver, invocation, report);
    const verdict =
      stringField(logLine, 'verdict') ??
      bodyStatus(info.body) ??
      (info.status === 413 ? 'too_large' : info.status === 502 ? 'invocation_failed' : String(info.status));
    const eventId = stringField(logLine, 'eventId');
    const eventType = stringField(logLine, 'eventType');
    const reason = stringField(logLine, 'reason') ?? stringField(logLine, 'quarantineReason');
    report({
      kind: 'request',
      receiver: receiver.provider,
      method: info.method,
      path: info.path,
      status: info.status,
      verdict,
      ...(eventId === undefined ? {} : { eventId }),
      ...(eventType === undefined ? {} : { eventType }),
      ...(reason === undefined ? {} : { reason }),
      durationMs: info.durationMs,
      requestId,
    });
    if (invocation !== undefined && !invocation.ok && invocation.error !== undefined) {
      report({
        kind: 'warning',
        text: `${receiver.fn.displayName} failed: ${invocation.error.errorType}: ${invocation.error.errorMessage}`,
      });
    }
    const keys = held.get(requestId);
    held.delete(requestId);
    if (info.event !== undefined) {
      // Before the release below: the bus events it routes are tied to this request by its keys.
      const body = Buffer.from(info.event.body ?? '', info.event.isBase64Encoded ? 'base64' : 'utf8');
      store.request({
        requestId,
        receiver: receiver.provider,
        url: ownUrl,
        receivedAt: new Date(info.event.requestContext.timeEpoch),
        method: info.method,
        path: info.path,
        headers: Object.fromEntries(
          Object.entries(info.event.headers).flatMap(([name, value]) =>
            value === undefined ? [] : [[name, value]],
          ),
        ),
        body,
        status: info.status,
        verdict,
        ...(eventId === undefined ? {} : { eventId }),
        ...(eventType === undefined ? {} : { eventType }),
        ...(reason === undefined ? {} : { reason }),
        durationMs: info.durationMs,
        response: info.body.toString('utf8'),
        keys: keys ?? requestKeys(body),
        published: PUBLISHED.has(verdict),
      });
    }
    if (keys === undefined) return;
    if (PUBLISHED.has(verdict)) {
      await router.sync();
      router.release(keys, {
        eventType: eventType ?? (verdict === 'quarantined' ? 'Webhook Quarantined' : ''),
        ...(eventId === undefined ? {} : { eventId }),
      });
    } else {
      router.release(keys);
    }
  };
  const start = (at: number): Promise<FunctionUrlServer> =>
    startFunctionUrlServer(handler, {
      port: at,
      onResponse: (info) => {
        onResponse(info).catch((error: unknown) =>
          report({ kind: 'warning', text: `Logging a request failed: ${String(error)}` }),
        );
      },
    });
  const listening = async (): Promise<FunctionUrlServer> => {
    if (exact || port === 0) return start(port);
    for (let candidate = port; candidate < port + 20 && candidate <= 65_535; candidate++) {
      try {
        return await start(candidate);
      } catch (error) {
        if (!(error instanceof PortInUseError)) throw error;
      }
    }
    return start(0);
  };
  const server = await listening();
  ownUrl = server.url;
  return server;
}

/** The receiver's request line (`message: webhook`); its other lines go to the log as they are. */
function receiverLog(
  receiver: LocalReceiver,
  invocation: Invocation | undefined,
  report: Reporter,
): Record<string, unknown> | undefined {
  let request: Record<string, unknown> | undefined;
  for (const text of invocation?.output ?? []) {
    let line: unknown;
    try {
      line = JSON.parse(text);
    } catch {
      report({ kind: 'function-output', function: receiver.fn.displayName, text });
      continue;
    }
    if (typeof line !== 'object' || line === null) continue;
    const record = line as Record<string, unknown>;
    if (record.message === 'webhook') request = record;
    else report({ kind: 'receiver-log', receiver: receiver.provider, line: record });
  }
  return request;
}

function stringField(record: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = record?.[name];
  return typeof value === 'string' ? value : undefined;
}

function bodyStatus(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    const status = (parsed as { status?: unknown } | null)?.status;
    return typeof status === 'string' ? status : undefined;
  } catch {
    return undefined;
  }
}

function readyRecord(
  stacks: readonly ProvisionedStack[],
  servers: readonly { receiver: LocalReceiver; server: FunctionUrlServer }[],
  inspector: RunningInspector,
  emulators: readonly RunningEmulator[],
  endpoints: { dynamodb: string; moto: string },
  options: DevOptions,
  startupMs: number,
  colour: ReturnType<typeof paint>,
): LiveRecord {
  const rules = stacks.flatMap((stack) =>
    stack.rules.map((rule) => ({
      rule: rule.spec.displayName,
      bus: rule.busName,
      pattern: resolveValue(rule.spec.eventPattern, stack.physical, stack.model.stackName),
      targets: rule.targets.map((t) =>
        t.kind === 'function'
          ? `${t.fn.displayName} (Lambda)`
          : t.kind === 'queue'
            ? `${t.queueName} (SQS)`
            : `${t.description} (not delivered locally)`,
      ),
    })),
  );
  const tables = stacks.flatMap((stack) =>
    stack.model.tables.map((table) => {
      const keys =
        (table.properties.KeySchema as { AttributeName?: string; KeyType?: string }[] | undefined) ?? [];
      const ttl = (table.properties.TimeToLiveSpecification as { AttributeName?: string } | undefined)
        ?.AttributeName;
      return `${table.displayName} (${keys.map((k) => `${k.KeyType === 'RANGE' ? 'sort' : 'partition'} key ${k.AttributeName}`).join(', ')}${ttl === undefined ? '' : `, TTL on ${ttl}`})`;
    }),
  );
  const defaultDir = options.stateDir === DEFAULT_STATE_DIR;
  const sendCommand = (provider: string, url: string): string => {
    const example = provider === 'complycube' ? 'check.completed.clear' : '--all';
    const extra = provider === 'complycube' ? '' : ` --provider ${provider}`;
    return defaultDir
      ? `npx complycube-webhooks send ${example}${extra}`
      : `WEBHOOK_SECRET="$(cat ${secretFile(options.stateDir)})" npx complycube-webhooks send ${example}${extra} --url ${url}`;
  };
  const lines = [
    '',
    colour.bold('Local stack ready') + colour.dim(` in ${formatDuration(startupMs)}`),
    '',
    ...servers.map(
      ({ receiver, server }) =>
        `  ${colour.bold(receiver.provider.padEnd(12))} ${colour.cyan(server.url)}  ${colour.dim(`(${receiver.fn.displayName})`)}`,
    ),
    `  ${colour.bold('inspector'.padEnd(12))} ${colour.cyan(inspector.url)}  ${colour.dim('(every delivery, live, in your browser)')}`,
    colour.dim(`  secret       ${secretFile(options.stateDir)} (local only; in the local Secrets Manager)`),
    colour.dim(`  emulators    DynamoDB Local ${endpoints.dynamodb} · moto ${endpoints.moto}`),
    ...tables.map((t) => colour.dim(`  table        ${t}`)),
    ...rules.map(
      (r) =>
        `  ${colour.dim('rule')}         ${r.rule} ${colour.dim(JSON.stringify(r.pattern))} → ${r.targets.join(', ') || colour.dim('no targets')}`,
    ),
    ...stacks.flatMap((s) => s.notes).map((n) => colour.yellow(`  ! ${n}`)),
    '',
    '  Send a signed test event from another terminal:',
    ...servers.map(
      ({ receiver, server }) => `    ${colour.bold(sendCommand(receiver.provider, server.url))}`,
    ),
    '',
    colour.dim('  Ctrl-C stops everything.'),
    '',
  ];
  return {
    kind: 'ready',
    lines,
    data: {
      pid: process.pid,
      startupMs: Math.round(startupMs),
      receivers: servers.map(({ receiver, server }) => ({
        provider: receiver.provider,
        url: server.url,
        function: receiver.fn.displayName,
      })),
      inspector: inspector.url,
      emulators: endpoints,
      processGroups: emulators.flatMap((e) => e.processGroups),
      rules,
      stateDir: options.stateDir,
    },
  };
}
