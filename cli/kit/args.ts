/**
 * Argument checks shared by the operations commands (`replay`, `redrive`, `quarantine`). Each
 * failure is a `UsageError` that says what to type instead; the CLI exits 2 and does nothing.
 */

import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { WebhookProvider } from '../../functions/receiver/providers/provider.js';
import { PROVIDERS } from '../../functions/receiver/providers/registry.js';
import { closest, didYouMean, explainParseError, UsageError } from './usage-error.js';

/** The provider named by `--provider`, ComplyCube by default. */
export function providerOption(raw: string | undefined, command: string): WebhookProvider {
  const name = raw ?? 'complycube';
  const provider = Object.hasOwn(PROVIDERS, name) ? PROVIDERS[name] : undefined;
  if (provider === undefined) {
    const known = Object.keys(PROVIDERS);
    throw new UsageError(
      `Unknown provider '${name}'.${didYouMean(closest(name, known))} Use --provider ${known.join(' or --provider ')}.`,
      command,
    );
  }
  return provider;
}

const BUS =
  /^([A-Za-z0-9._/-]{1,256}|arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._/-]{1,256})$/;

/** `--bus`: an event bus name or ARN. */
export function busOption(raw: string | undefined, command: string, required: boolean): string | undefined {
  if (raw === undefined) {
    if (!required) return undefined;
    throw new UsageError(
      `Say which event bus: --bus <name>, the stack's EventBusName output (e.g. --bus ComplyCubeWebhooks-ComplyCubeBus1A2B3C4D-AbCdEfGh).`,
      command,
    );
  }
  if (!BUS.test(raw)) {
    throw new UsageError(
      `--bus '${raw}' is not an event bus name or ARN. Pass the stack's EventBusName output.`,
      command,
    );
  }
  return raw;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** `--region`, e.g. `eu-west-2`; undefined leaves it to the SDK (`AWS_REGION`, the profile). */
export function regionOption(raw: string | undefined, command: string): string | undefined {
  if (raw === undefined) return undefined;
  if (!REGION.test(raw))
    throw new UsageError(`--region '${raw}' is not an AWS region; e.g. --region eu-west-2.`, command);
  return raw;
}

/** A whole number option within bounds. */
export function wholeOption(
  raw: string | undefined,
  option: string,
  fallback: number,
  min: number,
  max: number,
  command: string,
): number {
  if (raw === undefined) return fallback;
  const value = /^\d{1,9}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(
      `${option} must be a whole number from ${min} to ${max} (got '${raw}'), e.g. ${option} ${Math.min(max, Math.max(min, 10))}.`,
      command,
    );
  }
  return value;
}

const RELATIVE = /^(\d{1,6})\s*(m|min|h|d)$/;
const UNIT_MS: Record<string, number> = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };
/** A date and time with a zone: a replay window must not depend on the machine's time zone. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A point in time: ISO 8601 with a zone (`2026-03-01T09:00:00Z`), or a duration before `now`
 * (`30m`, `6h`, `2d`).
 *
 * @example
 * timeOption('6h', '--from', Date.now(), 'replay'); // six hours ago
 */
export function timeOption(raw: string, option: string, now: number, command: string): Date {
  const relative = RELATIVE.exec(raw.trim());
  if (relative !== null) {
    const [, amount = '0', unit = 'h'] = relative;
    return new Date(now - Number(amount) * (UNIT_MS[unit] ?? 0));
  }
  const ms = ISO_WITH_ZONE.test(raw.trim()) ? Date.parse(raw.trim()) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `${option} '${raw}' is not a time. Give a date and time with its zone, e.g. ${option} 2026-03-01T09:00:00Z, or how long ago, e.g. ${option} 6h (m, h or d).`,
      command,
    );
  }
  return new Date(ms);
}

/**
 * Parses an operations command's arguments (no positionals), or `'help'` for `--help`. A mistake
 * is a `UsageError` that names the options there are and, for a stray word, `hint`.
 */
export function parseCommandArgs<
  const T extends NonNullable<ParseArgsConfig['options']> & { readonly help: { readonly type: 'boolean' } },
>(
  argv: readonly string[],
  options: T,
  command: string,
  hint: string,
): ReturnType<typeof parseArgs<{ options: T; allowPositionals: true }>>['values'] | 'help' {
  let parsed: ReturnType<typeof parseArgs<{ options: T; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw explainParseError(
      error,
      Object.keys(options).map((name) => `--${name}`),
      command,
    );
  }
  if ((parsed.values as { help?: boolean }).help === true) return 'help';
  if (parsed.positionals.length > 0) {
    throw new UsageError(
      `${command} takes no positional arguments (got ${parsed.positionals.map((p) => `'${p}'`).join(' ')})${hint}.`,
      command,
    );
  }
  return parsed.values;
}
