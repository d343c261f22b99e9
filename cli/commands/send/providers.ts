/**
 * What the sender needs to know per provider: where its fixtures are, how it signs, how a fresh
 * event is made from a fixture, and how it retries. Adding a provider is one entry here plus its
 * fixtures in `fixtures/<provider>/`.
 */
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  COMPLYCUBE_RETRY_DELAYS_SECONDS,
  COMPLYCUBE_TIMEOUT_SECONDS,
} from '../../../fixtures/complycube-retry-schedule.js';

/** One event ready to sign: its body exactly as it will be sent. */
export interface FreshEvent {
  /** The id the provider gives it (shown; the receiver's idempotency key derives from it). */
  readonly id: string;
  /** The event type the receiver will publish it under. */
  readonly type: string;
  readonly body: string;
}

export interface SenderProvider {
  /** The `--provider` value, also the receiver's provider name. */
  readonly name: string;
  readonly displayName: string;
  /** `fixtures/<name>/`: one `<fixture>.json` per event type or status. */
  readonly fixturesDir: string;
  /** What a fixture name is, for help and messages: `event type`, `status`. */
  readonly fixtureNoun: string;
  /** The signature header, as the provider spells it. */
  readonly signatureHeader: string;
  readonly userAgent: string;
  /** The signature of the body's bytes. */
  sign(body: Buffer, secret: string): string;
  /** The fixture with a new id and timestamps, so every send is a new event. */
  fresh(fixture: Readonly<Record<string, unknown>>, fixtureName: string, now: Date): FreshEvent;
  /** Seconds the provider waits after each failed attempt before the next (its retries, in order). */
  readonly retryDelaysSeconds: readonly number[];
  /** Seconds the provider waits for an answer. */
  readonly timeoutSeconds: number;
}

const fixturesDir = (name: string): string =>
  fileURLToPath(new URL(`../../../fixtures/${name}/`, import.meta.url));

const hmacHex = (body: Buffer, secret: string): string =>
  createHmac('sha256', secret).update(body).digest('hex');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const complyCube: SenderProvider = {
  name: 'complycube',
  displayName: 'ComplyCube',
  fixturesDir: fixturesDir('complycube'),
  fixtureNoun: 'event type',
  signatureHeader: 'ComplyCube-Signature',
  userAgent: 'complycube-webhooks-sender',
  sign: hmacHex,
  fresh(fixture, fixtureName, now) {
    const at = now.toISOString();
    const payload = isRecord(fixture.payload) ? { ...fixture.payload } : fixture.payload;
    // The resource keeps its id (events about one check relate to it); its clock moves with the event.
    if (isRecord(payload)) {
      if ('updatedAt' in payload) payload.updatedAt = at;
      if ('createdAt' in payload && String(fixture.type ?? '').endsWith('.created')) payload.createdAt = at;
    }
    const id = randomBytes(12).toString('hex');
    const type = typeof fixture.type === 'string' ? fixture.type : fixtureName;
    return { id, type, body: JSON.stringify({ ...fixture, id, payload, createdAt: at }) };
  },
  retryDelaysSeconds: COMPLYCUBE_RETRY_DELAYS_SECONDS,
  timeoutSeconds: COMPLYCUBE_TIMEOUT_SECONDS,
};

/** `2024-03-01T10:02:33Z`: whole seconds and `Z`, as Compliancely writes dates. */
const compliancelyDate = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

const compliancely: SenderProvider = {
  name: 'compliancely',
  displayName: 'Compliancely',
  fixturesDir: fixturesDir('compliancely'),
  fixtureNoun: 'status',
  signatureHeader: 'Compliancely-Signature',
  userAgent: 'complycube-webhooks-sender',
  sign: hmacHex,
  fresh(fixture, fixtureName, now) {
    const id = randomInt(100_000_000, 2 ** 47);
    return {
      id: String(id),
      type: `tin_check.${fixtureName}`,
      body: JSON.stringify({ ...fixture, id, updated_date: compliancelyDate(now) }),
    };
  },
  // "Retries for another 2 attempts … 2nd attempt will be in 3 minutes, 3rd attempt in 6 minutes."
  retryDelaysSeconds: [180, 360],
  // Not documented; ComplyCube's 15 s is a fair stand-in.
  timeoutSeconds: 15,
};

/** Every provider the sender knows, by `--provider` name. */
export const SENDER_PROVIDERS: Readonly<Record<string, SenderProvider>> = {
  complycube: complyCube,
  compliancely,
};

export const DEFAULT_PROVIDER = 'complycube';

/** The fixture names of a provider, sorted: what `send` accepts as event names. */
export function listFixtures(provider: SenderProvider): string[] {
  return readdirSync(provider.fixturesDir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .sort();
}

/** A fixture as stored (a JSON object). */
export function loadFixture(provider: SenderProvider, name: string): Record<string, unknown> {
  const file = `${provider.fixturesDir}${name}.json`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`Could not read the ${provider.displayName} fixture ${name} (${file}).`, {
      cause: error,
    });
  }
  if (!isRecord(parsed)) throw new Error(`The ${provider.displayName} fixture ${file} is not a JSON object.`);
  return parsed;
}

/**
 * The delays before each retry, in milliseconds, scaled by `timeScale` and cut to `retries` retries.
 *
 * @example
 * retryDelaysMs([60, 120, 480], 0.01, 2); // [600, 1200]
 */
export function retryDelaysMs(
  delaysSeconds: readonly number[],
  timeScale: number,
  retries: number,
): number[] {
  return delaysSeconds.slice(0, retries).map((seconds) => Math.round(seconds * 1000 * timeScale));
}
