/**
 * The local function URL against real HTTP requests on loopback: the events it builds, the limit,
 * the answers it gives when the function fails.
 */
import { createServer } from 'node:net';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FUNCTION_URL_REQUEST_LIMIT,
  type FunctionUrlHandlerResponse,
  type FunctionUrlServer,
  PortInUseError,
  startFunctionUrlServer,
  toFunctionUrlResponse,
} from '../../local/function-url-server.js';

let server: FunctionUrlServer | undefined;
const events: LambdaFunctionURLEvent[] = [];

async function serve(
  answer: (event: LambdaFunctionURLEvent) => Promise<FunctionUrlHandlerResponse> = async () => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: '{"ok":true}',
  }),
): Promise<FunctionUrlServer> {
  server = await startFunctionUrlServer(async (event) => {
    events.push(event);
    return answer(event);
  });
  return server;
}

afterEach(async () => {
  await server?.close();
  server = undefined;
  events.length = 0;
});

describe('the local function URL', () => {
  it('builds a payload 2.0 event: lowercased headers, repeats joined, cookies and query split out', async () => {
    const { url } = await serve();
    const response = await fetch(`${url}hooks/in?a=1&b=2&a=3`, {
      method: 'POST',
      headers: [
        ['Content-Type', 'application/json'],
        ['ComplyCube-Signature', 'abc'],
        ['X-Repeat', 'one'],
        ['X-Repeat', 'two'],
        ['Cookie', 'c1=v1; c2=v2'],
      ],
      body: '{"id":"1"}',
    });
    expect(response.status).toBe(200);
    const [event] = events;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/hooks/in',
      rawQueryString: 'a=1&b=2&a=3',
      queryStringParameters: { a: '1,3', b: '2' },
      cookies: ['c1=v1', 'c2=v2'],
      body: '{"id":"1"}',
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'POST', path: '/hooks/in', sourceIp: '127.0.0.1' },
        stage: '$default',
      },
    });
    expect(event?.headers).toMatchObject({
      'content-type': 'application/json',
      'complycube-signature': 'abc',
      'x-repeat': 'one, two',
      'x-forwarded-for': '127.0.0.1',
    });
    expect(event?.headers.cookie).toBeUndefined();
    expect(event?.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
  });

  it('base64-encodes a body whose content type is not text, and one without a content type', async () => {
    const { url } = await serve();
    const bytes = Buffer.from([0xff, 0x00, 0x7b, 0x80]);
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    await fetch(url, { method: 'POST', body: new Blob(['{"a":1}']) });
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.api+json' },
      body: '{"a":1}',
    });
    expect(events.map((e) => [e.isBase64Encoded, e.body])).toEqual([
      [true, bytes.toString('base64')],
      [true, Buffer.from('{"a":1}').toString('base64')],
      [false, '{"a":1}'],
    ]);
  });

  it('answers 413 over the 6 MB limit without invoking the function', async () => {
    const { url } = await serve();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(FUNCTION_URL_REQUEST_LIMIT + 1, 0x61),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      Message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
    });
    expect(events).toHaveLength(0);
  });

  it('counts the base64 growth: a binary body that fits raw but not encoded is refused', async () => {
    const { url } = await serve();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(5_000_000, 0xff),
    });
    expect(response.status).toBe(413);
    expect(events).toHaveLength(0);
  });

  it('answers 502 when the function fails, as a function URL does', async () => {
    const { url } = await serve(async () => {
      throw new Error('boom');
    });
    const response = await fetch(url, { method: 'POST', body: 'x' });
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ Message: 'Internal Server Error' });
  });

  it('sends the structured response: status, headers, cookies, a base64 body decoded', async () => {
    const { url } = await serve(async () => ({
      statusCode: 409,
      headers: { 'retry-after': '3', 'content-type': 'text/plain' },
      body: Buffer.from('busy').toString('base64'),
      isBase64Encoded: true,
      cookies: ['a=b'],
    }));
    const response = await fetch(url, { method: 'POST', body: 'x' });
    expect(response.status).toBe(409);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(response.headers.get('set-cookie')).toBe('a=b');
    expect(await response.text()).toBe('busy');
  });

  it('says which port is taken and what to pass instead', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    try {
      const starting = startFunctionUrlServer(async () => ({ statusCode: 200 }), { port });
      await expect(starting).rejects.toBeInstanceOf(PortInUseError);
      await expect(starting).rejects.toThrow(`Port ${port} on 127.0.0.1 is already in use`);
      await expect(starting).rejects.toThrow(`--port ${port + 1}`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('what a function URL makes of a return value', () => {
  it('a statusCode makes it the response; anything else is JSON with 200', () => {
    expect(toFunctionUrlResponse({ statusCode: 202, body: 'x', headers: { a: 1 } })).toEqual({
      statusCode: 202,
      headers: { a: '1' },
      body: 'x',
      isBase64Encoded: false,
    });
    expect(toFunctionUrlResponse({ hello: 'world' })).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"hello":"world"}',
    });
    expect(toFunctionUrlResponse('plain').body).toBe('plain');
    expect(toFunctionUrlResponse(null).body).toBe('null');
  });
});
