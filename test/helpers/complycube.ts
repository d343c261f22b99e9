/**
 * Test helpers for ComplyCube webhooks: fixtures, signing, and Lambda function URL events shaped
 * like the ones AWS delivers (payload format 2.0). Shared by the unit and the integration tests, so
 * nothing here depends on a particular test's fakes.
 */

import { isUtf8 } from 'node:buffer';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LambdaFunctionURLEvent } from 'aws-lambda';

/** The header ComplyCube signs with, as a function URL delivers it (lowercased). */
export const SIGNATURE_HEADER = 'complycube-signature';

/** The directory holding one fixture per event type, named `<type>.json`. */
export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/complycube/', import.meta.url));

/** ComplyCube's event envelope. */
export interface ComplyCubeEvent {
  readonly id: string;
  readonly type: string;
  readonly resourceType: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asEvent(value: unknown, where: string): ComplyCubeEvent {
  if (!isRecord(value)) throw new Error(`${where}: not a JSON object`);
  const { id, type, resourceType, payload, createdAt } = value;
  if (typeof id !== 'string') throw new Error(`${where}: "id" is not a string`);
  if (typeof type !== 'string') throw new Error(`${where}: "type" is not a string`);
  if (typeof resourceType !== 'string') throw new Error(`${where}: "resourceType" is not a string`);
  if (!isRecord(payload)) throw new Error(`${where}: "payload" is not an object`);
  if (typeof createdAt !== 'string') throw new Error(`${where}: "createdAt" is not a string`);
  return { id, type, resourceType, payload, createdAt };
}

/** Every event type with a fixture, sorted. */
export function listFixtureTypes(): string[] {
  return readdirSync(FIXTURES_DIR)
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .sort();
}

/** The fixture file's text exactly as stored. */
export function loadFixtureText(type: string): string {
  return readFileSync(`${FIXTURES_DIR}${type}.json`, 'utf8');
}

/** The fixture for one event type, e.g. `loadFixture('check.completed.clear')`. */
export function loadFixture(type: string): ComplyCubeEvent {
  return asEvent(JSON.parse(loadFixtureText(type)), `fixture ${type}`);
}

/** A random id in ComplyCube's format: 24 lowercase hex characters. */
export function newEventId(): string {
  return randomBytes(12).toString('hex');
}

/**
 * The same event under a new random id and `createdAt` (default now), so a test never collides
 * with another's idempotency record.
 */
export function withFreshId<T extends ComplyCubeEvent>(event: T, now: Date = new Date()): T {
  return { ...event, id: newEventId(), createdAt: now.toISOString() };
}

/** What ComplyCube sends in `ComplyCube-Signature`: lowercase hex HMAC-SHA256 of the body's bytes. */
export function sign(body: string | Buffer, secret: string): string {
  return createHmac('sha256', secret)
    .update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
    .digest('hex');
}

export interface FunctionUrlEventOptions {
  /** The body as sent. A string is sent as its UTF-8 bytes. Omitted: no body. */
  readonly body?: string | Buffer;
  /** Extra or overriding headers. Names are lowercased, as a function URL does, unless `keepHeaderCase`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Keep header names as given (a hand-built event); a real function URL lowercases them. */
  readonly keepHeaderCase?: boolean;
  /** @default 'POST' */
  readonly method?: string;
  /**
   * Whether the event carries the body base64-encoded. Defaults to false, except for a Buffer body
   * that is not valid UTF-8, which a function URL could only deliver base64-encoded.
   */
  readonly isBase64Encoded?: boolean;
  /** The `complycube-signature` header value as is (takes precedence over `secret`). */
  readonly signature?: string;
  /** Signs the body's bytes with this secret into `complycube-signature`. */
  readonly secret?: string;
  /** @default '/' */
  readonly rawPath?: string;
  /** @default '' */
  readonly rawQueryString?: string;
  /** @default '203.0.113.10' (documentation range) */
  readonly sourceIp?: string;
  /** @default 'ComplyCube-Webhooks/1.0' */
  readonly userAgent?: string;
  /** @default 'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6' */
  readonly urlId?: string;
  /** @default 'eu-west-2' */
  readonly region?: string;
  /** The request time. @default now */
  readonly time?: Date;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `requestContext.time` as AWS writes it: `12/Mar/2020:19:03:58 +0000`. */
function clfTime(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const month = MONTHS[date.getUTCMonth()] ?? 'Jan';
  return `${pad(date.getUTCDate())}/${month}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(
    date.getUTCMinutes(),
  )}:${pad(date.getUTCSeconds())} +0000`;
}

/** A Lambda function URL event (payload format 2.0) as AWS delivers a webhook POST. */
export function functionUrlEvent(options: FunctionUrlEventOptions = {}): LambdaFunctionURLEvent {
  const bytes =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? Buffer.from(options.body, 'utf8')
        : options.body;
  const isBase64Encoded = options.isBase64Encoded ?? (bytes !== undefined && !isUtf8(bytes));
  const method = options.method ?? 'POST';
  const rawPath = options.rawPath ?? '/';
  const rawQueryString = options.rawQueryString ?? '';
  const sourceIp = options.sourceIp ?? '203.0.113.10';
  const userAgent = options.userAgent ?? 'ComplyCube-Webhooks/1.0';
  const urlId = options.urlId ?? 'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6';
  const region = options.region ?? 'eu-west-2';
  const time = options.time ?? new Date();
  const domainName = `${urlId}.lambda-url.${region}.on.aws`;

  const headers: Record<string, string> = {
    accept: 'application/json, text/plain, */*',
    'content-type': 'application/json',
    host: domainName,
    'user-agent': userAgent,
    'x-amzn-tls-cipher-suite': 'TLS_AES_128_GCM_SHA256',
    'x-amzn-tls-version': 'TLSv1.3',
    'x-amzn-trace-id': `Root=1-${Math.floor(time.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`,
    'x-forwarded-for': sourceIp,
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
  };
  if (bytes !== undefined) headers['content-length'] = String(bytes.length);
  const signature =
    options.signature ??
    (options.secret === undefined ? undefined : sign(bytes ?? Buffer.alloc(0), options.secret));
  if (signature !== undefined) headers[SIGNATURE_HEADER] = signature;
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    headers[options.keepHeaderCase === true ? name : name.toLowerCase()] = value;
  }

  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: 'anonymous',
      apiId: urlId,
      domainName,
      domainPrefix: urlId,
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp, userAgent },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: clfTime(time),
      timeEpoch: time.getTime(),
    },
    ...(bytes === undefined ? {} : { body: bytes.toString(isBase64Encoded ? 'base64' : 'utf8') }),
    isBase64Encoded,
  };
}
