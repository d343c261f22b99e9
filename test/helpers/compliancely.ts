/**
 * Test helpers for Compliancely webhooks: fixtures, signing in each encoding the receiver accepts,
 * and function URL events carrying the `compliancely-signature` header. The fixtures are plain JSON
 * files (`fixtures/compliancely/<status slug>.json`, one per documented status) so other tools,
 * such as a sender CLI, can read them without this module.
 */

import { createHmac, randomInt } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { type FunctionUrlEventOptions, functionUrlEvent } from '../../fixtures/complycube.js';

/** The header Compliancely signs with, as a function URL delivers it (lowercased). */
export const COMPLIANCELY_SIGNATURE_HEADER = 'compliancely-signature';

/** The directory holding one fixture per documented status, named `<status slug>.json`. */
export const COMPLIANCELY_FIXTURES_DIR = fileURLToPath(
  new URL('../../fixtures/compliancely/', import.meta.url),
);

/** A TIN check record, the body of a Compliancely webhook (the same object their API returns). */
export interface TinCheckRecord {
  readonly id: number;
  readonly name: string;
  readonly tin: string;
  readonly status: string;
  readonly created_by: string;
  readonly irs_code: number | null;
  readonly irs_reason: string | null;
  readonly irs_service_status: string;
  readonly last_irs_check_date: string | null;
  readonly created_date: string;
  readonly updated_date: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const nullable = (value: unknown, type: 'number' | 'string'): boolean =>
  value === null || typeof value === type;

function asTinCheck(value: unknown, where: string): TinCheckRecord {
  if (!isRecord(value)) throw new Error(`${where}: not a JSON object`);
  const v = value;
  const checks: [string, boolean][] = [
    ['id', typeof v.id === 'number'],
    ['name', typeof v.name === 'string'],
    ['tin', typeof v.tin === 'string'],
    ['status', typeof v.status === 'string'],
    ['created_by', typeof v.created_by === 'string'],
    ['irs_code', nullable(v.irs_code, 'number')],
    ['irs_reason', nullable(v.irs_reason, 'string')],
    ['irs_service_status', typeof v.irs_service_status === 'string'],
    ['last_irs_check_date', nullable(v.last_irs_check_date, 'string')],
    ['created_date', typeof v.created_date === 'string'],
    ['updated_date', typeof v.updated_date === 'string'],
  ];
  const wrong = checks.filter(([, ok]) => !ok).map(([field]) => field);
  if (wrong.length > 0) throw new Error(`${where}: wrong type for ${wrong.join(', ')}`);
  return value as unknown as TinCheckRecord;
}

/** Every status slug with a fixture, sorted: `did_not_match`, `in_review`, `pending`, `tin_matched`. */
export function listCompliancelyFixtures(): string[] {
  return readdirSync(COMPLIANCELY_FIXTURES_DIR)
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .sort();
}

/** The fixture file's text exactly as stored. */
export function loadCompliancelyFixtureText(slug: string): string {
  return readFileSync(`${COMPLIANCELY_FIXTURES_DIR}${slug}.json`, 'utf8');
}

/** The fixture for one status, by its slug, e.g. `loadCompliancelyFixture('did_not_match')`. */
export function loadCompliancelyFixture(slug: string): TinCheckRecord {
  return asTinCheck(JSON.parse(loadCompliancelyFixtureText(slug)), `compliancely fixture ${slug}`);
}

/** `2024-03-01T10:02:33Z`: whole seconds and `Z`, as Compliancely writes its dates. */
export function compliancelyDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The same record under a new random id and `updated_date` (default now), so a test never
 * collides with another's idempotency record, nor with the receiver's age limit.
 */
export function withFreshRecord<T extends TinCheckRecord>(record: T, now: Date = new Date()): T {
  return { ...record, id: randomInt(100_000_000, 2 ** 47), updated_date: compliancelyDate(now) };
}

/** The encodings Compliancely might use for the signature; the receiver accepts each. */
export type SignatureEncoding = 'hex' | 'HEX' | 'base64';

/** HMAC-SHA256 of the body's bytes keyed by `secret`, in the given encoding. */
export function signCompliancely(
  body: string | Buffer,
  secret: string,
  encoding: SignatureEncoding = 'hex',
): string {
  const digest = createHmac('sha256', secret)
    .update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
    .digest();
  if (encoding === 'base64') return digest.toString('base64');
  const hex = digest.toString('hex');
  return encoding === 'HEX' ? hex.toUpperCase() : hex;
}

export interface CompliancelyEventOptions
  extends Omit<FunctionUrlEventOptions, 'secret' | 'signature' | 'body'> {
  readonly body: string | Buffer;
  /** Signs the body with this secret into `compliancely-signature`; omit to send it unsigned. */
  readonly secret?: string;
  /** @default 'hex' */
  readonly encoding?: SignatureEncoding;
  /** The `compliancely-signature` value as is (takes precedence over `secret`). */
  readonly signature?: string;
}

/** A Lambda function URL event (payload format 2.0) carrying a Compliancely webhook. */
export function compliancelyUrlEvent(options: CompliancelyEventOptions): LambdaFunctionURLEvent {
  const { secret, encoding, signature, headers, ...rest } = options;
  const value =
    signature ?? (secret === undefined ? undefined : signCompliancely(options.body, secret, encoding));
  return functionUrlEvent({
    userAgent: 'Compliancely-Webhooks',
    ...rest,
    headers: { ...(value === undefined ? {} : { [COMPLIANCELY_SIGNATURE_HEADER]: value }), ...headers },
  });
}
