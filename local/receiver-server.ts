/**
 * Each receiver's function URL on loopback: invokes the receiver's local function for every
 * request, logs the request with the receiver's verdict, and tells the event router when what the
 * receiver published may be delivered.
 */
import { createServer } from 'node:net';
import { type EventRouter, requestKeys } from './event-router.js';
import {
  type FunctionUrlHandler,
  type FunctionUrlServer,
  PortInUseError,
  startFunctionUrlServer,
  toFunctionUrlResponse,
} from './function-url-server.js';
import type { DeliveryStore } from './inspector/delivery-store.js';
import type { Invocation, LocalFunction } from './lambda-host.js';
import type { Reporter } from './live-log.js';
import type { LocalReceiver } from './provision.js';

/** Verdicts after which the receiver has put something on the bus. */
const PUBLISHED = new Set(['accepted', 'quarantined']);

/** A receiver and the local URL it answers on. */
export interface ServedReceiver {
  readonly receiver: LocalReceiver;
  readonly server: FunctionUrlServer;
}

/**
 * Serves every receiver on its own port: `port` and up (the next free one unless the user named
 * it), or any free port for 0. Calls `started` for each server, so the caller can stop it.
 */
export async function serveReceivers(
  receivers: readonly LocalReceiver[],
  functions: ReadonlyMap<string, LocalFunction>,
  router: EventRouter,
  store: DeliveryStore,
  report: Reporter,
  port: { readonly asked: number | undefined; readonly fallback: number },
  started: (served: ServedReceiver) => void,
): Promise<ServedReceiver[]> {
  const servers: ServedReceiver[] = [];
  let nextPort = port.asked ?? port.fallback;
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
      port.asked !== undefined && servers.length === 0,
    );
    started({ receiver, server });
    servers.push({ receiver, server });
    nextPort = port.asked === 0 ? 0 : server.port + 1;
  }
  return servers;
}

/** Fails fast, before minutes of start-up, when a port the user named is taken. */
export function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, { cause: error }) : error),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
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
