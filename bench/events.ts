/**
 * Signed function URL events of a chosen body size, built with the tests' own helpers so the bench
 * sends what ComplyCube sends: a documented event type, a fresh id each time, a valid signature.
 */
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { type ComplyCubeEvent, functionUrlEvent, withFreshId } from '../fixtures/complycube.js';

/** The body sizes the warm bench measures. */
export const BODY_SIZES = [
  { label: '2 KB', bytes: 2 * 1024 },
  { label: '64 KB', bytes: 64 * 1024 },
  { label: '1 MB', bytes: 1_000_000 },
] as const;

function entry(index: number): { field: string; value: string } {
  return { field: `field_${String(index).padStart(6, '0')}`, value: 'consider' };
}

/**
 * A maker of events like `base`, each under a fresh id and exactly `bytes` of JSON, signed with
 * `secret` into a function URL event. The size comes from a `breakdown` list in the payload (many
 * small fields, as a detailed check result has, rather than one long string).
 *
 * @example
 * const next = sizedEvents(loadFixture('check.completed.clear'), 2048, 'whsec_bench');
 * Buffer.byteLength(next().body ?? ''); // 2048
 */
export function sizedEvents(
  base: ComplyCubeEvent,
  bytes: number,
  secret: string,
): () => LambdaFunctionURLEvent {
  const padding = { field: 'padding', value: '' };
  const breakdown = [padding];
  const payload = { ...base.payload, breakdown };
  const smallest = Buffer.byteLength(JSON.stringify(withFreshId({ ...base, payload })));
  if (smallest > bytes) {
    throw new Error(
      `A ${base.type} event is ${smallest} bytes at its smallest; ask for ${smallest} or more.`,
    );
  }
  // Fixed-width entries, so the size is arithmetic rather than a loop of stringify calls.
  const entryBytes = Buffer.byteLength(JSON.stringify(entry(0))) + 1;
  const count = Math.floor((bytes - smallest) / entryBytes);
  breakdown.unshift(...Array.from({ length: count }, (_, index) => entry(index)));
  padding.value = 'x'.repeat(bytes - Buffer.byteLength(JSON.stringify(withFreshId({ ...base, payload }))));
  // Ids and timestamps have a fixed width, so every event made here has the same size.
  return () => functionUrlEvent({ body: JSON.stringify(withFreshId({ ...base, payload })), secret });
}
