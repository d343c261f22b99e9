/** The arguments of `catch-up`: the window, where the receiver is, and how to print. */
import { parseCommandArgs, regionOption, timeOption, wholeOption } from '../../kit/args.js';
import { UsageError } from '../../kit/usage-error.js';

export const COMMAND = 'catch-up';

export interface CatchUpCliOptions {
  readonly since: Date;
  readonly until: Date;
  /** A deployed stack whose outputs name the table, the bus and the API key secret. */
  readonly stack: string | undefined;
  readonly region: string | undefined;
  readonly apiKeySecretId: string | undefined;
  /** Event types to recover (`*` for all); overrides the stack's list. */
  readonly events: readonly string[] | undefined;
  readonly maxObjects: number;
  readonly json: boolean;
}

const OPTIONS = {
  since: { type: 'string' },
  until: { type: 'string' },
  stack: { type: 'string' },
  region: { type: 'string' },
  'api-key-secret-id': { type: 'string' },
  'api-key': { type: 'string' },
  events: { type: 'string' },
  'max-objects': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const EVENT = /^([A-Za-z0-9_.-]+|\*)$/;

/**
 * @example
 * parseCatchUpArgs(['--since', '36h'], Date.now());
 */
export function parseCatchUpArgs(argv: readonly string[], now: number): CatchUpCliOptions | 'help' {
  const values = parseCommandArgs(argv, OPTIONS, COMMAND, '; the window is --since <time> [--until <time>]');
  if (values === 'help') return 'help';
  if (values['api-key'] !== undefined) {
    throw new UsageError(
      'The API key is never taken as an argument (other processes and your shell history would see it). Set COMPLYCUBE_API_KEY, or name the secret that holds it with --api-key-secret-id.',
      COMMAND,
    );
  }
  if (values.since === undefined) {
    throw new UsageError(
      'Say where the gap begins: --since <time>, e.g. --since 36h (36 hours ago) or --since 2026-12-01T08:00:00Z.',
      COMMAND,
    );
  }
  const since = timeOption(values.since, '--since', now, COMMAND);
  const until =
    values.until === undefined ? new Date(now) : timeOption(values.until, '--until', now, COMMAND);
  if (since.getTime() >= until.getTime()) {
    throw new UsageError(
      `--since (${since.toISOString()}) must be before --until (${until.toISOString()}).`,
      COMMAND,
    );
  }
  if (until.getTime() > now) {
    throw new UsageError(
      `--until (${until.toISOString()}) is in the future; leave it out to catch up to now.`,
      COMMAND,
    );
  }
  let events: string[] | undefined;
  if (values.events !== undefined) {
    events = values.events
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    const bad = events.find((e) => !EVENT.test(e));
    if (events.length === 0 || bad !== undefined) {
      throw new UsageError(
        `--events takes exact event types separated by commas, or *, e.g. --events check.completed,client.updated${bad === undefined ? '' : ` (not '${bad}')`}.`,
        COMMAND,
      );
    }
  }
  return {
    since,
    until,
    stack: values.stack,
    region: regionOption(values.region, COMMAND),
    apiKeySecretId: values['api-key-secret-id'],
    events,
    maxObjects: wholeOption(values['max-objects'], '--max-objects', 10_000, 1, 1_000_000, COMMAND),
    json: values.json === true,
  };
}
