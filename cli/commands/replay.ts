/**
 * `complycube-webhooks replay`: re-delivers archived events of a time window to chosen
 * subscriptions, through EventBridge's own replay (archive → bus, limited to the chosen rules),
 * and follows it until it is done.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  CancelReplayCommand,
  DescribeReplayCommand,
  type DescribeReplayCommandOutput,
  type EventBridgeClient,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import type { WebhookProvider } from '../../functions/receiver/providers/provider.js';
import {
  type ArchiveInfo,
  type BusInfo,
  describeArchive,
  describeBus,
  describeTypes,
  listRules,
  pickRule,
  providerArchives,
  type RuleInfo,
  ruleMatchesType,
  subscriptionRules,
} from '../aws/bus-inventory.js';
import { awsFailure, isNotFound, type OpsClients, OpsError, opsClients } from '../aws/clients.js';
import {
  busOption,
  parseCommandArgs,
  providerOption,
  regionOption,
  timeOption,
  wholeOption,
} from '../kit/args.js';
import type { CliIo } from '../kit/io.js';
import { colorsWanted, formatDuration, paint } from '../kit/terminal.js';
import { UsageError } from '../kit/usage-error.js';

const COMMAND = 'replay';

export const REPLAY_HELP = `Replay archived events to subscriptions: EventBridge re-delivers every event of a time window
from the receiver's archive to the rules you choose, and this follows it until it is done.

Usage
  npx complycube-webhooks replay --bus <name> --from <time> (--rule <name> | --type <type> | --all) [options]
  npx complycube-webhooks replay --status <replay name> | --cancel <replay name>

Which events
  --bus <name>         The event bus (the stack's EventBusName output). Required.
  --provider <name>    complycube (default) or compliancely: whose archive and subscriptions.
  --from <time>        Start of the window: 2026-03-01T09:00:00Z, or how long ago: 30m, 6h, 2d. Required.
  --to <time>          End of the window. Default: now.
                       The window is matched against each event's own time (ComplyCube's createdAt,
                       Compliancely's updated_date), not the time it was received.
  --archive <name>     The archive to replay from. Default: the provider's archive on the bus.

To whom (one of these; replays never reach a rule you did not choose)
  --rule <name>        A subscription's rule: its name, or a part of it such as OnCheckCompletedAll.
                       Repeat for several.
  --type <type>        The subscriptions that receive this type (or family: 'check.completed*').
                       Repeatable. A chosen subscription gets every event of the window it matches,
                       including other types it subscribes to; the plan says so.
  --all                Every subscription of the provider.

Running it
  --dry-run            Show the plan (archive, window, rules) and start nothing.
  --name <name>        The replay's name. Default: <provider>-<UTC time>.
  --no-wait            Start it and exit; follow it later with --status.
  --status <name>      Show a replay's progress, and wait for it unless --no-wait.
  --cancel <name>      Cancel a running replay. Events already replayed stay delivered.
  --poll <seconds>     How often to check progress. Default 5.
  --region <region>    Default: AWS_REGION or your profile's.
  --json               JSON lines instead of text (for scripts).
  -h, --help           This help.

Subscribers see replayed events with a "replay-name" field; the receiver's idempotency does not
apply to them (they never pass through it), so a subscriber that must not act twice keys its work
on detail.id.

Exit codes: 0 completed (or planned, started with --no-wait, cancelled on request) · 1 the replay
failed or was cancelled · 2 bad arguments · 130 interrupted (the replay carries on in EventBridge).

Examples
  npx complycube-webhooks replay --bus ComplyCubeWebhooks-Bus --from 6h --rule OnCheckCompletedAll
  npx complycube-webhooks replay --bus ComplyCubeWebhooks-Bus --from 2026-03-01T00:00:00Z --to 2026-03-02T00:00:00Z --type client.deleted --dry-run
  npx complycube-webhooks replay --status complycube-20260301T120000Z
`;

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

/** What `runReplay` needs besides the options; tests pass their own clock and sleep. */
export interface ReplayDeps {
  readonly clients: Pick<OpsClients, 'eventBridge'>;
  readonly now: () => number;
  /** Waits, or rejects when `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

/** The plan of a replay: what, from where, to whom. */
export interface ReplayPlan {
  readonly bus: BusInfo;
  readonly archive: ArchiveInfo;
  readonly rules: readonly RuleInfo[];
  /** Chosen rules that also receive types outside `--type`. */
  readonly wider: readonly RuleInfo[];
  readonly notes: readonly string[];
}

/**
 * Runs `replay` and resolves to the exit code.
 *
 * @example
 * const options = parseReplayArgs(argv, Date.now());
 * if (options !== 'help') process.exitCode = await runReplay(options, io);
 */
export async function runReplay(
  options: ReplayOptions,
  io: CliIo,
  deps: Partial<ReplayDeps> = {},
): Promise<number> {
  const full: ReplayDeps = {
    clients: deps.clients ?? opsClients(options.region),
    now: deps.now ?? Date.now,
    sleep: deps.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }).then(() => undefined)),
  };
  const out = output(io, options.json);
  const { eventBridge } = full.clients;
  if (options.action !== 'start') {
    if (options.action === 'status') return follow(eventBridge, options.name, options, io, full);
    const result = await eventBridge
      .send(new CancelReplayCommand({ ReplayName: options.name }))
      .catch((error: unknown) => {
        throw notFoundOr(error, options.name, 'cancel the replay');
      });
    out.event(
      'cancelled',
      { replay: options.name, state: result.State },
      `Replay ${options.name}: ${result.State ?? 'CANCELLING'}. Events already replayed stay delivered.`,
    );
    return 0;
  }

  const plan = await planReplay(eventBridge, options, full.now());
  printPlan(out, options, plan);
  if (options.dryRun) {
    out.event(
      'dry_run',
      { replay: options.name },
      '\nDry run: nothing was started. Run the same command without --dry-run to start it.',
    );
    return 0;
  }
  await eventBridge
    .send(
      new StartReplayCommand({
        ReplayName: options.name,
        Description: `complycube-webhooks replay of ${options.provider.name} events to ${plan.rules.length} rule(s)`,
        EventSourceArn: plan.archive.arn,
        EventStartTime: options.from,
        EventEndTime: options.to,
        Destination: { Arn: plan.bus.arn, FilterArns: plan.rules.map((rule) => rule.arn) },
      }),
    )
    .catch((error: unknown) => {
      const name = error instanceof Error ? error.name : '';
      if (name === 'ResourceAlreadyExistsException') {
        throw new OpsError(`A replay named ${options.name} already exists; pass another --name.`, {
          cause: error,
        });
      }
      if (name === 'LimitExceededException') {
        throw new OpsError(
          'EventBridge is running as many replays as the account may run at once; wait for one to finish (replay --status <name>) and try again.',
          { cause: error },
        );
      }
      throw awsFailure(error, `start the replay ${options.name}`);
    });
  out.event('started', { replay: options.name }, `\nStarted replay ${options.name}.`);
  if (!options.wait) {
    out.line(`Follow it: npx complycube-webhooks replay --status ${options.name}`);
    return 0;
  }
  return follow(eventBridge, options.name, options, io, full);
}

/** Resolves the bus, the archive and the rules; checks the window against the archive. */
export async function planReplay(
  eventBridge: EventBridgeClient,
  options: ReplayStart,
  now: number,
): Promise<ReplayPlan> {
  const { provider } = options;
  const bus = await describeBus(eventBridge, options.bus);
  const subscriptions = subscriptionRules(await listRules(eventBridge, bus), provider);
  const what = `${provider.name} subscription`;

  let rules: RuleInfo[];
  let wider: RuleInfo[] = [];
  if (options.all) {
    rules = subscriptions;
  } else if (options.rules.length > 0) {
    rules = [...new Set(options.rules.map((wanted) => pickRule(subscriptions, wanted, what, COMMAND)))];
  } else {
    rules = subscriptions.filter((rule) => options.types.some((type) => receives(rule, type)));
    wider = rules.filter((rule) => !onlyReceives(rule, options.types));
  }
  if (rules.length === 0) {
    const known = subscriptions.map((rule) => `${rule.name} (${describeTypes(rule)})`);
    throw new OpsError(
      `No ${what} on ${bus.name}${options.types.length > 0 ? ` receives ${options.types.join(', ')}` : ''}. Subscriptions there: ${known.length === 0 ? 'none' : known.join('; ')}.`,
    );
  }

  const archive =
    options.archive === undefined
      ? await onlyArchive(eventBridge, bus, provider)
      : await describeArchive(eventBridge, options.archive);
  const notes: string[] = [];
  if (archive.retentionDays > 0) {
    const horizon = now - archive.retentionDays * 86_400_000;
    if (options.from.getTime() < horizon) {
      notes.push(
        `The archive keeps events ${archive.retentionDays} days: events before ${new Date(horizon).toISOString()} are gone and will not be replayed.`,
      );
    }
  }
  if (archive.createdAt !== undefined && options.from.getTime() < archive.createdAt.getTime()) {
    notes.push(
      `The archive exists since ${archive.createdAt.toISOString()}: events before that are not in it.`,
    );
  }
  return { bus, archive, rules, wider, notes };
}

/** Whether a rule receives events of a type or family (`check.completed*`). */
function receives(rule: RuleInfo, type: string): boolean {
  if (!type.endsWith('*')) return ruleMatchesType(rule, type);
  const prefix = type.slice(0, -1);
  const types = rule.pattern?.detailTypes;
  if (types === undefined) return true;
  return (
    types.exact.some((t) => t.startsWith(prefix)) ||
    types.prefixes.some((p) => p.startsWith(prefix) || prefix.startsWith(p))
  );
}

/** Whether everything a rule receives is among `types`. */
function onlyReceives(rule: RuleInfo, types: readonly string[]): boolean {
  const detail = rule.pattern?.detailTypes;
  if (detail === undefined) return types.includes('*');
  const covered = (type: string) =>
    types.some((wanted) => (wanted.endsWith('*') ? type.startsWith(wanted.slice(0, -1)) : wanted === type));
  return (
    detail.exact.every(covered) &&
    detail.prefixes.every((p) => types.some((w) => w.endsWith('*') && p.startsWith(w.slice(0, -1))))
  );
}

async function onlyArchive(
  eventBridge: EventBridgeClient,
  bus: BusInfo,
  provider: WebhookProvider,
): Promise<ArchiveInfo> {
  const archives = await providerArchives(eventBridge, bus, provider);
  const [archive, ...more] = archives;
  if (archive === undefined) {
    throw new OpsError(
      `The event bus ${bus.name} has no archive of ${provider.source} events, so there is nothing to replay. The construct creates one unless archive is false (README, "Operating it"); events published before it existed cannot be replayed.`,
    );
  }
  if (more.length > 0) {
    throw new OpsError(
      `The event bus ${bus.name} has ${archives.length} archives of ${provider.source} events: ${archives.map((a) => a.name).join(', ')}. Pass --archive <name>.`,
    );
  }
  return archive;
}

function printPlan(out: Output, options: ReplayStart, plan: ReplayPlan): void {
  const { archive, bus, rules } = plan;
  const hours = (options.to.getTime() - options.from.getTime()) / 3_600_000;
  out.event(
    'plan',
    {
      replay: options.name,
      bus: bus.name,
      archive: archive.name,
      from: options.from.toISOString(),
      to: options.to.toISOString(),
      rules: rules.map((rule) => ({ name: rule.name, arn: rule.arn, types: describeTypes(rule) })),
      notes: [...plan.notes, ...plan.wider.map((rule) => widerNote(rule, options.types))],
    },
    [
      `Replay ${options.name}`,
      `  archive  ${archive.name} (${archive.sources.join(', ')}; ${archive.retentionDays === 0 ? 'kept indefinitely' : `kept ${archive.retentionDays} days`}; ${archive.eventCount} events)`,
      `  bus      ${bus.name}`,
      `  window   ${options.from.toISOString()} → ${options.to.toISOString()} (${formatDuration(hours * 3_600_000)}), by each event's own time`,
      `  to       ${rules.length} subscription rule${rules.length === 1 ? '' : 's'}:`,
      ...rules.map((rule) => `             ${rule.name}  (${describeTypes(rule)})`),
      ...plan.notes.map((note) => `  note     ${note}`),
      ...plan.wider.map((rule) => `  note     ${widerNote(rule, options.types)}`),
    ].join('\n'),
  );
}

function widerNote(rule: RuleInfo, types: readonly string[]): string {
  return `${rule.name} also receives types other than ${types.join(', ')} (${describeTypes(rule)}): it gets those of the window too.`;
}

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/** Polls a replay until it ends (or once, without wait), printing its progress. */
async function follow(
  eventBridge: EventBridgeClient,
  name: string,
  options: ReplayOptions,
  io: CliIo,
  deps: ReplayDeps,
): Promise<number> {
  const out = output(io, options.json);
  const started = deps.now();
  let lastReported = '';
  for (;;) {
    const replay = await eventBridge
      .send(new DescribeReplayCommand({ ReplayName: name }))
      .catch((error: unknown) => {
        throw notFoundOr(error, name, 'describe the replay');
      });
    const state = replay.State ?? 'UNKNOWN';
    const progress = replayProgress(replay);
    const line = `Replay ${name}: ${state} ${Math.floor(progress * 100)}%${replay.EventLastReplayedTime === undefined ? '' : ` (events up to ${replay.EventLastReplayedTime.toISOString()})`}`;
    const report = `${state} ${Math.floor(progress * 10)}`;
    if (report !== lastReported || options.json) {
      out.progress(
        { replay: name, state, progress, eventLastReplayedTime: replay.EventLastReplayedTime?.toISOString() },
        line,
      );
      lastReported = report;
    }
    if (TERMINAL.has(state)) {
      out.done();
      const took =
        replay.ReplayStartTime !== undefined && replay.ReplayEndTime !== undefined
          ? ` in ${formatDuration(replay.ReplayEndTime.getTime() - replay.ReplayStartTime.getTime())}`
          : '';
      if (state === 'COMPLETED') {
        out.event('completed', { replay: name, state }, `Replay ${name} completed${took}.`);
        return 0;
      }
      out.event(
        'ended',
        { replay: name, state, reason: replay.StateReason },
        `Replay ${name} ${state.toLowerCase()}${replay.StateReason === undefined ? '' : `: ${replay.StateReason}`}.`,
        true,
      );
      return 1;
    }
    if (!options.wait) {
      out.done();
      out.line(
        `Still ${state.toLowerCase()}; check again with: npx complycube-webhooks replay --status ${name}`,
      );
      return 0;
    }
    try {
      await deps.sleep(options.pollMs, io.interrupt);
    } catch (error) {
      if (io.interrupt?.aborted !== true) throw error;
      out.done();
      io.stderr.write(
        `Stopped watching after ${formatDuration(deps.now() - started)}; the replay carries on in EventBridge.\n  Follow it: npx complycube-webhooks replay --status ${name}\n  Stop it:   npx complycube-webhooks replay --cancel ${name}\n`,
      );
      return 130;
    }
  }
}

/** How far a replay has got, 0 to 1, from the time of the last event it replayed. */
export function replayProgress(
  replay: Pick<
    DescribeReplayCommandOutput,
    'State' | 'EventStartTime' | 'EventEndTime' | 'EventLastReplayedTime'
  >,
): number {
  if (replay.State === 'COMPLETED') return 1;
  const start = replay.EventStartTime?.getTime();
  const end = replay.EventEndTime?.getTime();
  const last = replay.EventLastReplayedTime?.getTime();
  if (start === undefined || end === undefined || last === undefined || end <= start) return 0;
  return Math.min(1, Math.max(0, (last - start) / (end - start)));
}

function notFoundOr(error: unknown, name: string, doing: string): OpsError {
  if (isNotFound(error)) {
    return new OpsError(
      `There is no replay named ${name} in this region. List recent ones with: aws events list-replays --name-prefix ${name.split('-')[0] ?? ''}`,
      { cause: error },
    );
  }
  return awsFailure(error, `${doing} ${name}`);
}

interface Output {
  /** A line for people, or a JSON object for scripts. */
  event(kind: string, data: Record<string, unknown>, text: string, toStderr?: boolean): void;
  /** A progress update: redrawn in place on a terminal. */
  progress(data: Record<string, unknown>, text: string): void;
  /** Ends an in-place progress line. */
  done(): void;
  /** A line for people only. */
  line(text: string): void;
}

function output(io: CliIo, json: boolean): Output {
  const colour = paint(colorsWanted(io.stdout, io.env));
  const tty = io.stdout.isTTY === true && !json;
  let drawn = false;
  const clear = () => {
    if (drawn) io.stdout.write('\r\u001b[2K');
    drawn = false;
  };
  return {
    event(kind, data, text, toStderr = false) {
      clear();
      if (json) io.stdout.write(`${JSON.stringify({ event: kind, ...data })}\n`);
      else (toStderr ? io.stderr : io.stdout).write(`${toStderr ? colour.red(text) : text}\n`);
    },
    progress(data, text) {
      if (json) {
        io.stdout.write(`${JSON.stringify({ event: 'progress', ...data })}\n`);
      } else if (tty) {
        clear();
        io.stdout.write(colour.cyan(text));
        drawn = true;
      } else {
        io.stdout.write(`${text}\n`);
      }
    },
    done: clear,
    line(text) {
      clear();
      if (!json) io.stdout.write(`${text}\n`);
    },
  };
}
