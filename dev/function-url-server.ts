import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LambdaFunctionURLEvent } from 'aws-lambda';

/** The structured response a function URL handler returns. */
export interface FunctionUrlHandlerResponse {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
}

export type FunctionUrlHandler = (event: LambdaFunctionURLEvent) => Promise<FunctionUrlHandlerResponse>;

/** A function URL accepts at most 6 MB of request payload. */
export const FUNCTION_URL_REQUEST_LIMIT = 6_291_456;

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+(json|xml))/i;

export interface FunctionUrlServer {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface FunctionUrlServerOptions {
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Told about every request once answered (for live logs). */
  readonly onResponse?: (info: { status: number; durationMs: number; method: string }) => void;
}

/**
 * Serves a Lambda function URL handler over plain HTTP on loopback, building the same payload 2.0
 * events AWS does: lowercased headers (repeats joined with a comma), the body base64-encoded unless
 * its content type is text, the 6 MB request limit, and 502 when the handler throws, as a function
 * URL answers a failed invocation.
 */
export async function startFunctionUrlServer(
  handler: FunctionUrlHandler,
  options: FunctionUrlServerOptions = {},
): Promise<FunctionUrlServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => {
    void serve(handler, request, response, options.onResponse);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${options.port} is already in use; pick another with --port.`, { cause: error })
          : error,
      );
    });
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://${host}:${port}/`, port, close: () => closeServer(server) };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

async function serve(
  handler: FunctionUrlHandler,
  request: IncomingMessage,
  response: ServerResponse,
  onResponse: FunctionUrlServerOptions['onResponse'],
): Promise<void> {
  const started = performance.now();
  const method = request.method ?? 'GET';
  const answer = (status: number, headers: Record<string, string>, body: string | Buffer): void => {
    response.writeHead(status, headers).end(body);
    onResponse?.({ status, durationMs: performance.now() - started, method });
  };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > FUNCTION_URL_REQUEST_LIMIT) {
      answer(
        413,
        { 'content-type': 'application/json' },
        JSON.stringify({
          Message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
        }),
      );
      request.destroy();
      return;
    }
    chunks.push(buffer);
  }
  let result: FunctionUrlHandlerResponse;
  try {
    result = await handler(toEvent(request, Buffer.concat(chunks)));
  } catch {
    answer(502, { 'content-type': 'application/json' }, JSON.stringify({ Message: 'Internal Server Error' }));
    return;
  }
  const body =
    result.body === undefined ? '' : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  answer(result.statusCode, { ...result.headers }, body);
}

function toEvent(request: IncomingMessage, body: Buffer): LambdaFunctionURLEvent {
  const headers: Record<string, string> = {};
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = String(request.rawHeaders[i]).toLowerCase();
    const value = String(request.rawHeaders[i + 1]);
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const url = new URL(request.url ?? '/', 'http://localhost');
  const now = new Date();
  const sourceIp = request.socket.remoteAddress ?? '127.0.0.1';
  const text = TEXT_TYPES.test(headers['content-type'] ?? '');
  const hasBody = body.length > 0;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
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
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(hasBody ? { body: body.toString(text ? 'utf8' : 'base64') } : {}),
    isBase64Encoded: hasBody && !text,
  };
}
