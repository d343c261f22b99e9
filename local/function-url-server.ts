import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { LambdaFunctionURLEvent } from 'aws-lambda';

/** The structured response a function URL handler returns. */
export interface FunctionUrlHandlerResponse {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly cookies?: readonly string[];
}

export type FunctionUrlHandler = (event: LambdaFunctionURLEvent) => Promise<FunctionUrlHandlerResponse>;

/**
 * A function URL passes at most this many bytes of invocation payload (the whole event, body
 * base64-inflated or not) to the function: Lambda's 6 MB synchronous request limit.
 */
export const FUNCTION_URL_REQUEST_LIMIT = 6_291_456;

/** The answer a function URL gives to a request over the limit, without invoking the function. */
export const REQUEST_TOO_LARGE_MESSAGE = `Request must be smaller than ${FUNCTION_URL_REQUEST_LIMIT} bytes for the InvokeFunction operation`;

/**
 * Content types whose body a function URL passes as text; every other body (and one without a
 * content type) arrives base64-encoded with `isBase64Encoded: true`.
 */
const TEXT_TYPES =
  /^\s*(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)\b|[^;]*\+(json|xml)\b)/i;

/** Whether a function URL would pass a body of this content type as text. */
export function isTextContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && TEXT_TYPES.test(contentType);
}

export interface FunctionUrlServer {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** What the server tells `onResponse` about each request once it has answered. */
export interface ExchangeInfo {
  readonly status: number;
  readonly durationMs: number;
  readonly method: string;
  readonly path: string;
  /** The event the handler got; absent when the server answered without invoking it (413, 502 before). */
  readonly event?: LambdaFunctionURLEvent;
  /** The response body as sent. */
  readonly body: Buffer;
  /** Set when the handler failed (threw, or its invocation failed): why the answer is 502. */
  readonly error?: unknown;
}

export interface FunctionUrlServerOptions {
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Told about every request once answered (for live logs). */
  readonly onResponse?: (info: ExchangeInfo) => void;
  /** The `domainName` the events carry, as AWS's `<url-id>.lambda-url.<region>.on.aws`. @default the Host header */
  readonly domainName?: string;
}

/**
 * Serves a Lambda function URL handler over plain HTTP on loopback, building the same payload 2.0
 * events AWS does: lowercased headers (repeats joined with a comma), cookies and query parameters
 * split out, the body base64-encoded unless its content type is text, the 6 MB request limit
 * answered with 413 without invoking the handler, and 502 when the handler fails, as a function URL
 * answers a failed invocation.
 *
 * @example
 * const server = await startFunctionUrlServer(handler, { port: 8642 });
 * // curl -X POST http://127.0.0.1:8642/ -d '{}'
 * await server.close();
 */
export async function startFunctionUrlServer(
  handler: FunctionUrlHandler,
  options: FunctionUrlServerOptions = {},
): Promise<FunctionUrlServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => {
    serve(handler, request, response, options).catch((error: unknown) => {
      // Only a broken connection gets here (the client went away mid-request): nothing to answer.
      if (!response.headersSent) response.destroy(error instanceof Error ? error : undefined);
    });
  });
  const port = await listen(server, options.port ?? 0, host);
  return { url: `http://${host}:${port}/`, port, close: () => closeServer(server) };
}

/** Thrown by `startFunctionUrlServer` when the port is taken; `port` says which. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';

  constructor(
    readonly port: number,
    options?: ErrorOptions,
  ) {
    super(
      `Port ${port} on 127.0.0.1 is already in use (another \`npm run dev\`?). Stop what uses it, or pick another port with --port, e.g. --port ${port + 1} (--port 0 takes any free port).`,
      options,
    );
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, { cause: error }) : error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      if (address !== null && typeof address === 'object') resolve(address.port);
      else reject(new Error(`Could not read the port the server listens on (${String(address)}).`));
    });
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

async function serve(
  handler: FunctionUrlHandler,
  request: IncomingMessage,
  response: ServerResponse,
  options: FunctionUrlServerOptions,
): Promise<void> {
  const started = performance.now();
  const method = request.method ?? 'GET';
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const answer = (
    status: number,
    headers: Record<string, string>,
    body: Buffer,
    extra: { event?: LambdaFunctionURLEvent; error?: unknown; cookies?: readonly string[] } = {},
  ): void => {
    const all: Record<string, string | string[]> = {
      'x-amzn-requestid': extra.event?.requestContext.requestId ?? randomUUID(),
      ...headers,
    };
    if (extra.cookies !== undefined && extra.cookies.length > 0) all['set-cookie'] = [...extra.cookies];
    response.writeHead(status, all).end(body);
    options.onResponse?.({
      status,
      durationMs: performance.now() - started,
      method,
      path,
      body,
      ...(extra.event === undefined ? {} : { event: extra.event }),
      ...(extra.error === undefined ? {} : { error: extra.error }),
    });
  };
  const tooLarge = (): void => {
    answer(
      413,
      {
        'content-type': 'application/json',
        'x-amzn-errortype': 'RequestEntityTooLargeException',
        connection: 'close',
      },
      Buffer.from(JSON.stringify({ Message: REQUEST_TOO_LARGE_MESSAGE })),
    );
  };

  const raw = await readBody(request, FUNCTION_URL_REQUEST_LIMIT);
  if (raw === undefined) {
    tooLarge();
    return;
  }
  const event = toFunctionUrlEvent(request, raw, options.domainName);
  if (Buffer.byteLength(JSON.stringify(event)) > FUNCTION_URL_REQUEST_LIMIT) {
    tooLarge();
    return;
  }

  let result: FunctionUrlHandlerResponse;
  try {
    result = await handler(event);
  } catch (error) {
    answer(
      502,
      { 'content-type': 'application/json' },
      Buffer.from(JSON.stringify({ Message: 'Internal Server Error' })),
      { event, error },
    );
    return;
  }
  const body =
    result.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  answer(result.statusCode, { ...result.headers }, body, {
    event,
    ...(result.cookies === undefined ? {} : { cookies: result.cookies }),
  });
}

/**
 * The request body, or `undefined` as soon as it passes `limit` bytes; the rest is then read and
 * dropped, so the 413 reaches the client instead of a reset connection.
 */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        request.off('data', onData);
        request.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

/**
 * What a function URL makes of a handler's return value: a `statusCode` makes it the structured
 * response; anything else is sent as JSON with status 200 (a string as is).
 */
export function toFunctionUrlResponse(result: unknown): FunctionUrlHandlerResponse {
  if (typeof result === 'object' && result !== null && 'statusCode' in result) {
    const r = result as Record<string, unknown>;
    const headers: Record<string, string> = {};
    if (typeof r.headers === 'object' && r.headers !== null) {
      for (const [name, value] of Object.entries(r.headers)) headers[name] = String(value);
    }
    return {
      statusCode: Number(r.statusCode),
      headers,
      ...(typeof r.body === 'string' ? { body: r.body } : {}),
      isBase64Encoded: r.isBase64Encoded === true,
      ...(Array.isArray(r.cookies) ? { cookies: r.cookies.map(String) } : {}),
    };
  }
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: typeof result === 'string' ? result : (JSON.stringify(result) ?? ''),
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `requestContext.time` as AWS writes it: `12/Mar/2020:19:03:58 +0000`. */
export function clfTime(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const month = MONTHS[date.getUTCMonth()] ?? 'Jan';
  return `${pad(date.getUTCDate())}/${month}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(
    date.getUTCMinutes(),
  )}:${pad(date.getUTCSeconds())} +0000`;
}

/** The payload 2.0 event a function URL builds for this request and body. */
export function toFunctionUrlEvent(
  request: IncomingMessage,
  body: Buffer,
  domainName?: string,
): LambdaFunctionURLEvent {
  const headers: Record<string, string> = {};
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = String(request.rawHeaders[i]).toLowerCase();
    const value = String(request.rawHeaders[i + 1]);
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const now = new Date();
  const sourceIp = request.socket.remoteAddress ?? '127.0.0.1';
  // What the function URL's front end adds to every request.
  headers['x-forwarded-for'] ??= sourceIp;
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-forwarded-port'] ??= String(request.socket.localPort ?? '');
  headers['x-amzn-trace-id'] ??=
    `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;

  // Cookies are split out of the headers into their own list, as a function URL does.
  const cookieHeader = headers.cookie;
  delete headers.cookie;
  const cookies = cookieHeader?.split(/;\s*|,/).filter((cookie) => cookie.length > 0);

  const url = new URL(request.url ?? '/', 'http://localhost');
  const rawQueryString = url.search.replace(/^\?/, '');
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    queryStringParameters[name] =
      queryStringParameters[name] === undefined ? value : `${queryStringParameters[name]},${value}`;
  }

  const text = isTextContentType(headers['content-type']);
  const hasBody = body.length > 0;
  const domain = domainName ?? headers.host ?? 'localhost';
  const domainPrefix = domain.split('.')[0] ?? domain;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString,
    ...(cookies !== undefined && cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(rawQueryString === '' ? {} : { queryStringParameters }),
    requestContext: {
      accountId: 'anonymous',
      apiId: domainPrefix,
      domainName: domain,
      domainPrefix,
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    ...(hasBody ? { body: body.toString(text ? 'utf8' : 'base64') } : {}),
    isBase64Encoded: hasBody && !text,
  };
}
