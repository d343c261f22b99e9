/**
 * A loopback TCP proxy in front of an emulator, for injecting faults at the network level without
 * touching the code under test: point the SDK at `proxy.url` (e.g. `AWS_ENDPOINT_URL_DYNAMODB`) and
 * switch `setMode` at any time.
 *
 * Modes:
 * - `forward`  pipes bytes both ways to the target;
 * - `refuse`   closes the listening socket, so connections are refused (ECONNREFUSED); switching to
 *              another mode listens again on the same port (no connection reaches the proxy in this
 *              mode, so `count.refuse` stays 0);
 * - `reset`    accepts and resets the connection at once (RST, ECONNRESET on the client);
 * - `stall`    accepts, reads, never answers (the client's request timeout fires);
 * - `http500`  reads the HTTP request, answers `500 Internal Server Error` with a JSON body, closes;
 * - `throttle` reads the HTTP request, answers `400` with an AWS JSON throttling error, closes.
 *
 * Switching to a different mode destroys every connection open at that moment, pooled keep-alive
 * connections to the target included, so the next request opens a new connection and meets the new
 * mode: an SDK client never slips past a fault on a socket it opened earlier.
 */
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';

export type FaultMode = 'forward' | 'refuse' | 'reset' | 'stall' | 'http500' | 'throttle';

export const FAULT_MODES: readonly FaultMode[] = [
  'forward',
  'refuse',
  'reset',
  'stall',
  'http500',
  'throttle',
];

/** Generic AWS JSON throttling error (EventBridge, Secrets Manager, …). */
export const THROTTLING_BODY = JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' });
/** DynamoDB's request-rate throttling error. */
export const DYNAMODB_THROTTLING_BODY = JSON.stringify({
  __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
  message: 'Rate exceeded',
});
/** DynamoDB's table/partition throughput error. */
export const DYNAMODB_PROVISIONED_THROUGHPUT_BODY = JSON.stringify({
  __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
  message: 'The level of configured provisioned throughput for the table was exceeded.',
});
export const INTERNAL_ERROR_BODY = JSON.stringify({
  __type: 'InternalServerError',
  message: 'Injected by the fault proxy',
});

export interface FaultProxyOptions {
  /** The mode to start in. @default 'forward' */
  readonly mode?: FaultMode;
  /** Body of the `throttle` answer (HTTP 400). @default THROTTLING_BODY */
  readonly throttleBody?: string;
  /** Body of the `http500` answer. @default INTERNAL_ERROR_BODY */
  readonly http500Body?: string;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`, stable for the life of the proxy (also across `refuse`). */
  readonly url: string;
  readonly mode: FaultMode;
  /**
   * Switches mode for new connections and destroys the connections open now. Resolves when the new
   * mode is in force (listening closed for `refuse`, listening again after it).
   */
  setMode(mode: FaultMode): Promise<void>;
  /** Connections accepted in each mode since the start (or `resetCount`). */
  readonly count: Readonly<Record<FaultMode, number>>;
  resetCount(): void;
  /** Destroys all connections and closes the listener. */
  stop(): Promise<void>;
}

/**
 * Starts a proxy to `targetUrl` (only its host and port are used) on a free loopback port.
 *
 * @example
 * const proxy = await startFaultProxy(endpoints.dynamodb, { throttleBody: DYNAMODB_THROTTLING_BODY });
 * process.env.AWS_ENDPOINT_URL_DYNAMODB = proxy.url;
 * await proxy.setMode('http500'); // the next DynamoDB call fails with a 500
 * // …
 * await proxy.stop();
 */
export async function startFaultProxy(
  targetUrl: string,
  options: FaultProxyOptions = {},
): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  const targetHost = target.hostname.replace(/^\[|\]$/g, '');
  const throttleBody = options.throttleBody ?? THROTTLING_BODY;
  const http500Body = options.http500Body ?? INTERNAL_ERROR_BODY;

  let mode: FaultMode = 'forward';
  let stopped = false;
  const open = new Set<Socket>();
  const count = zeroCounts();

  const track = (socket: Socket): void => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    socket.on('error', () => {
      // Resets and hang-ups are what this proxy is for; the client reports its side.
    });
  };

  const server: Server = createServer((client) => {
    track(client);
    count[mode]++;
    switch (mode) {
      case 'forward':
        forward(client, targetHost, targetPort, track);
        return;
      case 'refuse':
        // Only reachable for a connection accepted while the listener was closing.
        client.destroy();
        return;
      case 'reset':
        client.resetAndDestroy();
        return;
      case 'stall':
        client.resume();
        return;
      case 'http500':
        answerAfterRequest(client, '500 Internal Server Error', http500Body);
        return;
      case 'throttle':
        answerAfterRequest(client, '400 Bad Request', throttleBody);
        return;
    }
  });

  await listen(server, 0);
  const address = server.address();
  if (address === null || typeof address !== 'object') {
    server.close();
    throw new Error(`The fault proxy could not read its own port (address: ${String(address)}).`);
  }
  const port = address.port;

  /**
   * Destroys every open connection and resolves once they are closed and an in-process client has
   * had the loop turns it needs to see it (EOF read in one poll phase, its socket closed in the
   * next), so its pool drops the socket before the next request instead of sending on a dead one.
   */
  const destroyOpen = async (): Promise<void> => {
    const closing = [...open].map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.closed) resolve();
          else socket.once('close', () => resolve());
          socket.destroy();
        }),
    );
    open.clear();
    if (closing.length === 0) return;
    await Promise.all(closing);
    for (let turn = 0; turn < 3; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
  };

  const proxy: FaultProxy = {
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return mode;
    },
    count,
    resetCount() {
      Object.assign(count, zeroCounts());
    },
    async setMode(next) {
      if (stopped) throw new Error('The fault proxy has been stopped.');
      if (next === mode) return;
      const previous = mode;
      mode = next;
      await destroyOpen();
      if (next === 'refuse') {
        await close(server);
      } else if (previous === 'refuse') {
        await listen(server, port).catch((error: unknown) => {
          throw new Error(
            `The fault proxy could not listen again on 127.0.0.1:${port} after 'refuse' (another process took the port?).`,
            { cause: error },
          );
        });
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await destroyOpen();
      if (server.listening) await close(server);
    },
  };
  if (options.mode !== undefined) await proxy.setMode(options.mode);
  return proxy;
}

function zeroCounts(): Record<FaultMode, number> {
  return { forward: 0, refuse: 0, reset: 0, stall: 0, http500: 0, throttle: 0 };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error === undefined ? resolve() : reject(error)));
  });
}

function forward(client: Socket, host: string, port: number, track: (socket: Socket) => void): void {
  const upstream = netConnect({ host, port });
  track(upstream);
  const closeBoth = (): void => {
    client.destroy();
    upstream.destroy();
  };
  client.once('close', closeBoth);
  upstream.once('close', closeBoth);
  client.pipe(upstream);
  upstream.pipe(client);
}

/**
 * Waits for one complete HTTP request (headers, then a `Content-Length` or chunked body), answers
 * with `status` and a JSON body, and closes. Answering before the request is read could make the
 * kernel reset the connection (unread data on close) and the client would see ECONNRESET instead.
 */
function answerAfterRequest(socket: Socket, status: string, body: string): void {
  let received = Buffer.alloc(0);
  let answered = false;
  socket.on('data', (chunk: Buffer) => {
    if (answered) return;
    received = Buffer.concat([received, chunk]);
    if (!requestComplete(received)) return;
    answered = true;
    const payload = Buffer.from(body, 'utf8');
    const head = [
      `HTTP/1.1 ${status}`,
      'Content-Type: application/x-amz-json-1.0',
      `Content-Length: ${payload.length}`,
      'x-amzn-RequestId: fault-proxy',
      'Connection: close',
      '',
      '',
    ].join('\r\n');
    socket.end(Buffer.concat([Buffer.from(head, 'latin1'), payload]));
  });
}

function requestComplete(received: Buffer): boolean {
  const headerEnd = received.indexOf('\r\n\r\n');
  if (headerEnd === -1) return false;
  const bodyStart = headerEnd + 4;
  const head = received.subarray(0, headerEnd).toString('latin1');
  const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
  if (length !== null) return received.length >= bodyStart + Number(length[1]);
  if (/\r\ntransfer-encoding:[^\r\n]*chunked/i.test(head)) {
    const body = received.subarray(bodyStart);
    return body.indexOf('0\r\n\r\n') === 0 || body.includes('\r\n0\r\n\r\n');
  }
  return true;
}
