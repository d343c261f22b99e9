/**
 * A replay's plan: the bus, the archive and the subscription rules it goes to, checked against
 * the archive's retention, and printed before anything starts.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { WebhookProvider } from '../../../functions/receiver/providers/provider.js';
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
} from '../../aws/bus-inventory.js';
import { OpsError } from '../../kit/failure.js';
import type { Printer } from '../../kit/printer.js';
import { formatDuration } from '../../kit/terminal.js';
import { COMMAND, type ReplayStart } from './options.js';

/** The plan of a replay: what, from where, to whom. */
export interface ReplayPlan {
  readonly bus: BusInfo;
  readonly archive: ArchiveInfo;
  readonly rules: readonly RuleInfo[];
  /** Chosen rules that also receive types outside `--type`. */
  readonly wider: readonly RuleInfo[];
  readonly notes: readonly string[];
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

export function printPlan(out: Printer, options: ReplayStart, plan: ReplayPlan): void {
  const { archive, bus, rules } = plan;
  const hours = (options.to.getTime() - options.from.getTime()) / 3_600_000;
  out.print(
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
