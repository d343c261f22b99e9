import { describe, expect, it } from 'vitest';
import { functionUrlEvent, loadFixtureText, SIGNATURE_HEADER, sign } from '../../fixtures/complycube.js';
import type { ReceiveResult } from '../../functions/receiver/core/receive.js';
import { verifySignature } from '../../functions/receiver/core/verifier.js';
import { toFunctionUrlResult, toWebhookRequest } from '../../functions/receiver/function-url.js';
import { complyCube } from '../../functions/receiver/providers/complycube.js';

const SECRET = 'whsec_fictional_url_0001';

describe('toWebhookRequest', () => {
  it('takes a plain body as its UTF-8 bytes', () => {
    const body = '{"id":"5ed170fe99c81a0007b9a3d3","note":"Zoë"}';

    const request = toWebhookRequest(functionUrlEvent({ body }));

    expect(request.body.equals(Buffer.from(body, 'utf8'))).toBe(true);
  });

  it('decodes a base64-encoded body into the bytes that were sent', () => {
    const body = loadFixtureText('check.completed.clear');
    const event = functionUrlEvent({ body, isBase64Encoded: true });

    const request = toWebhookRequest(event);

    expect(event.body).toBe(Buffer.from(body).toString('base64'));
    expect(request.body.toString('utf8')).toBe(body);
  });

  it('decodes a base64-encoded body that is not valid UTF-8 byte for byte', () => {
    const bytes = Buffer.from([0x7b, 0xff, 0x00, 0xfe, 0x7d]);

    const request = toWebhookRequest(functionUrlEvent({ body: bytes, isBase64Encoded: true }));

    expect(request.body.equals(bytes)).toBe(true);
  });

  it('verifies a signature over a base64-encoded body once decoded', () => {
    const body = loadFixtureText('client.created');
    const event = functionUrlEvent({ body, isBase64Encoded: true, secret: SECRET });

    const request = toWebhookRequest(event);
    const index = verifySignature({
      provider: complyCube,
      headers: request.headers,
      body: request.body,
      secrets: [Buffer.from(SECRET)],
    });

    expect(index).toBe(0);
  });

  it('turns a missing body into an empty buffer', () => {
    const event = functionUrlEvent({});

    const request = toWebhookRequest(event);

    expect(event.body).toBeUndefined();
    expect(request.body).toEqual(Buffer.alloc(0));
  });

  it('turns a missing base64 body into an empty buffer', () => {
    const request = toWebhookRequest(functionUrlEvent({ isBase64Encoded: true }));

    expect(request.body).toEqual(Buffer.alloc(0));
  });

  it('takes the method from the request context', () => {
    const request = toWebhookRequest(functionUrlEvent({ method: 'GET' }));

    expect(request.method).toBe('GET');
  });

  it('passes the headers through unchanged', () => {
    const event = functionUrlEvent({ body: '{}', signature: 'abc' });

    const request = toWebhookRequest(event);

    expect(request.headers).toEqual(event.headers);
    expect(request.headers[SIGNATURE_HEADER]).toBe('abc');
  });
});

describe('toFunctionUrlResult', () => {
  const result: ReceiveResult = {
    statusCode: 409,
    headers: { 'content-type': 'application/json', 'retry-after': '18' },
    body: { status: 'in_progress', message: 'Event 5ed170fe99c81a0007b9a3d3 is being processed.' },
    verdict: 'in_progress',
    log: { provider: 'complycube', eventId: '5ed170fe99c81a0007b9a3d3' },
  };

  it('maps the status code and headers', () => {
    const mapped = toFunctionUrlResult(result);

    expect(mapped).toMatchObject({
      statusCode: 409,
      headers: { 'content-type': 'application/json', 'retry-after': '18' },
    });
  });

  it('serialises the body as JSON', () => {
    const mapped = toFunctionUrlResult(result);

    expect(typeof mapped === 'object' ? JSON.parse(mapped.body ?? '') : undefined).toEqual(result.body);
  });

  it('leaves the log fields and verdict out of the answer', () => {
    const mapped = toFunctionUrlResult(result);

    expect(JSON.stringify(mapped)).not.toContain('"log"');
    expect(JSON.stringify(mapped)).not.toContain('verdict');
  });

  it('copies the headers rather than sharing the object', () => {
    const mapped = toFunctionUrlResult(result);

    expect(typeof mapped === 'object' ? mapped.headers : undefined).not.toBe(result.headers);
  });
});

describe('functionUrlEvent (test helper)', () => {
  it('builds a payload format 2.0 event as a function URL delivers it', () => {
    const time = new Date('2024-03-01T12:00:00.000Z');

    const event = functionUrlEvent({ body: '{}', secret: SECRET, time });

    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/',
      rawQueryString: '',
      isBase64Encoded: false,
      body: '{}',
      requestContext: {
        accountId: 'anonymous',
        http: { method: 'POST', path: '/', protocol: 'HTTP/1.1' },
        time: '01/Mar/2024:12:00:00 +0000',
        timeEpoch: time.getTime(),
      },
    });
    expect(event.headers).toMatchObject({
      'content-type': 'application/json',
      'content-length': '2',
      [SIGNATURE_HEADER]: sign('{}', SECRET),
    });
    expect(event.headers['user-agent']).toBe(event.requestContext.http.userAgent);
  });

  it('lowercases header names unless asked to keep them', () => {
    const lowered = functionUrlEvent({ headers: { 'ComplyCube-Signature': 'x' } });
    const kept = functionUrlEvent({ headers: { 'ComplyCube-Signature': 'x' }, keepHeaderCase: true });

    expect(lowered.headers[SIGNATURE_HEADER]).toBe('x');
    expect(kept.headers['ComplyCube-Signature']).toBe('x');
  });

  it('base64-encodes a body that is not valid UTF-8 by default', () => {
    const bytes = Buffer.from([0xff, 0xfe]);

    const event = functionUrlEvent({ body: bytes });

    expect(event.isBase64Encoded).toBe(true);
    expect(event.body).toBe(bytes.toString('base64'));
  });
});
