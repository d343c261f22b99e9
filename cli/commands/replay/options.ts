/**
 * `replay`'s arguments: which events (bus, provider, window), to whom (rules, types or all), and
 * how to run it; or a replay to follow or cancel.
 */
import type { WebhookProvider } from '../../../functions/receiver/providers/provider.js';
import {
  busOption,
  parseCommandArgs,
  providerOption,
  regionOption,
  timeOption,
  wholeOption,
} from '../../kit/args.js';
import { UsageError } from '../../kit/usage-error.js';

export const COMMAND = 'replay';

export interface ReplayStart {
  readonly action: 'start';
  readonly bus: string;
  readonly provider: WebhookProvider;
  readonly from: Date;
  readonly to: Date;
  readonly rules: readonly string[];
  readonly types: readonly string[];
  readonly all: boolean;
  readonly archive: string | undefined;
  readonly name: string;
  readonly dryRun: boolean;
  readonly wait: boolean;
}

export interface ReplayFollow {
  readonly action: 'status' | 'cancel';
  readonly name: string;
  readonly wait: boolean;
}

export type ReplayOptions = (ReplayStart | ReplayFollow) & {
  readonly json: boolean;
  readonly region: string | undefined;
  readonly pollMs: number;
};

const OPTIONS = {
  bus: { type: 'string' },
  provider: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  archive: { type: 'string' },
  rule: { type: 'string', multiple: true },
  type: { type: 'string', multiple: true },
  all: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  name: { type: 'string' },
  'no-wait': { type: 'boolean' },
  status: { type: 'string' },
  cancel: { type: 'string' },
  poll: { type: 'string' },
  region: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const REPLAY_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const TYPE_PATTERN = /^[A-Za-z0-9_.-]+\*?$/;

/**
 * Parses the arguments after `replay`; `'help'` for `--help`. Throws a `UsageError` saying what to
 * type instead.
 *
 * @example
 * parseReplayArgs(['--bus', 'b', '--from', '6h', '--all'], Date.now());
 */
export function parseReplayArgs(argv: readonly string[], now: number): ReplayOptions | 'help' {
  const values = parseCommandArgs(
    argv,
    OPTIONS,
    COMMAND,
    '; choose subscriptions with --rule, --type or --all',
  );
  if (values === 'help') return 'help';
  const common = {
    json: values.json === true,
    region: regionOption(values.region, COMMAND),
    pollMs: wholeOption(values.poll, '--poll', 5, 1, 3600, COMMAND) * 1000,
  };
  const follow = values.status ?? values.cancel;
  if (values.status !== undefined && values.cancel !== undefined) {
    throw new UsageError('Pass --status or --cancel, not both.', COMMAND);
  }
  if (follow !== undefined) {
    const extra = [
      'bus',
      'from',
      'to',
      'rule',
      'type',
      'all',
      'archive',
      'name',
      'dry-run',
      'provider',
    ].filter((key) => values[key as keyof typeof values] !== undefined);
    if (extra.length > 0) {
      throw new UsageError(
        `--${values.status !== undefined ? 'status' : 'cancel'} needs only the replay's name; drop ${extra.map((k) => `--${k}`).join(', ')}.`,
        COMMAND,
      );
    }
    return {
      action: values.status !== undefined ? 'status' : 'cancel',
      name: replayName(follow),
      wait: values['no-wait'] !== true,
      ...common,
    };
  }

  const bus = busOption(values.bus, COMMAND, true) ?? '';
  const provider = providerOption(values.provider, COMMAND);
  if (values.from === undefined) {
    throw new UsageError(
      'Say where the window starts: --from 6h (six hours ago) or --from 2026-03-01T09:00:00Z.',
      COMMAND,
    );
  }
  const from = timeOption(values.from, '--from', now, COMMAND);
  const to = values.to === undefined ? new Date(now) : timeOption(values.to, '--to', now, COMMAND);
  if (from.getTime() >= to.getTime()) {
    throw new UsageError(
      `--from (${from.toISOString()}) must be before --to (${to.toISOString()}); swap them, or leave --to out for now.`,
      COMMAND,
    );
  }
  if (to.getTime() > now) {
    throw new UsageError(
      `--to (${to.toISOString()}) is in the future; leave --to out to replay up to now.`,
      COMMAND,
    );
  }
  const rules = values.rule ?? [];
  const types = values.type ?? [];
  const all = values.all === true;
  const selectors = [rules.length > 0, types.length > 0, all].filter(Boolean).length;
  if (selectors === 0) {
    throw new UsageError(
      'Say which subscriptions get the replay: --rule <name> (one subscription), --type <type> (those that receive it) or --all (every subscription). Add --dry-run to see the plan first.',
      COMMAND,
    );
  }
  if (selectors > 1) {
    throw new UsageError('Choose subscriptions one way: --rule, --type or --all, not several.', COMMAND);
  }
  for (const type of types) {
    if (!TYPE_PATTERN.test(type)) {
      throw new UsageError(
        `--type '${type}' is not an event type: use one such as check.completed.clear, or a family ending in * (quote it: 'check.completed*').`,
        COMMAND,
      );
    }
  }
  return {
    action: 'start',
    bus,
    provider,
    from,
    to,
    rules,
    types,
    all,
    archive: values.archive,
    name: values.name === undefined ? defaultName(provider, now) : replayName(values.name),
    dryRun: values['dry-run'] === true,
    wait: values['no-wait'] !== true,
    ...common,
  };
}

function replayName(raw: string): string {
  if (!REPLAY_NAME.test(raw)) {
    throw new UsageError(
      `'${raw}' is not a replay name: up to 64 letters, digits, '.', '-' or '_', e.g. complycube-20260301T120000Z.`,
      COMMAND,
    );
  }
  return raw;
}

/** `complycube-20260301T120000Z`: sorts by time, and says whose it is. */
function defaultName(provider: WebhookProvider, now: number): string {
  return `${provider.name}-${new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}
