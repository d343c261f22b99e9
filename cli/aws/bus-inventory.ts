/**
 * What is on a receiver's bus, read back from EventBridge: the rules (a provider's subscriptions,
 * its quarantine rule, anything else), their targets and dead-letter queues, and the archives.
 * The commands find everything from the bus name (the stack's `EventBusName` output) this way,
 * so they work for any stack built with the construct, whatever its construct ids.
 */
import {
  DescribeArchiveCommand,
  DescribeEventBusCommand,
  type EventBridgeClient,
  ListArchivesCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
} from '@aws-sdk/client-eventbridge';
import type { WebhookProvider } from '../../functions/receiver/providers/provider.js';
import { OpsError } from '../kit/failure.js';
import { didYouMean, UsageError } from '../kit/usage-error.js';
import { awsFailure, isNotFound } from './clients.js';

export interface BusInfo {
  readonly name: string;
  readonly arn: string;
}

export interface TargetInfo {
  readonly id: string;
  readonly arn: string;
  /** The target's dead-letter queue ARN, when it has one. */
  readonly deadLetterArn: string | undefined;
}

export interface RuleInfo {
  readonly name: string;
  readonly arn: string;
  readonly state: string;
  readonly description: string;
  /** The rule's event pattern, parsed; undefined for a scheduled rule. */
  readonly pattern: EventPatternSummary | undefined;
  /** Set for rules EventBridge manages itself (an archive's, a replay's). */
  readonly managedBy: string | undefined;
  readonly targets: readonly TargetInfo[];
}

/** The parts of an event pattern the receiver's rules use: `source` and `detail-type`. */
export interface EventPatternSummary {
  readonly sources: readonly string[];
  /** Undefined when the pattern does not look at the detail-type (every type). */
  readonly detailTypes:
    | { readonly exact: readonly string[]; readonly prefixes: readonly string[] }
    | undefined;
}

export interface ArchiveInfo {
  readonly name: string;
  readonly arn: string;
  readonly sources: readonly string[];
  readonly retentionDays: number;
  readonly eventCount: number;
  readonly sizeBytes: number;
  readonly state: string;
  readonly createdAt: Date | undefined;
}

/**
 * The bus by name or ARN, with its ARN, or an `OpsError` that says where to find the name.
 *
 * @example
 * const bus = await describeBus(eventBridge, 'ComplyCubeWebhooks-Bus1234');
 */
export async function describeBus(eventBridge: EventBridgeClient, nameOrArn: string): Promise<BusInfo> {
  try {
    const bus = await eventBridge.send(new DescribeEventBusCommand({ Name: nameOrArn }));
    if (bus.Name === undefined || bus.Arn === undefined)
      throw new OpsError(`EventBridge described ${nameOrArn} without a name or ARN.`);
    return { name: bus.Name, arn: bus.Arn };
  } catch (error) {
    if (isNotFound(error)) {
      const region = await eventBridge.config.region().catch(() => 'this region');
      throw new OpsError(
        `There is no event bus '${nameOrArn}' in ${region}. Pass the stack's EventBusName output (aws cloudformation describe-stacks --stack-name <stack> --query "Stacks[0].Outputs"), and --region if the stack is elsewhere.`,
        { cause: error },
      );
    }
    if (error instanceof OpsError) throw error;
    throw awsFailure(error, `describe the event bus ${nameOrArn}`);
  }
}

/** Every rule on the bus with its targets. */
export async function listRules(eventBridge: EventBridgeClient, bus: BusInfo): Promise<RuleInfo[]> {
  const rules: RuleInfo[] = [];
  let nextToken: string | undefined;
  do {
    const page = await eventBridge
      .send(new ListRulesCommand({ EventBusName: bus.name, NextToken: nextToken }))
      .catch((error: unknown) => {
        throw awsFailure(error, `list the rules of the event bus ${bus.name}`);
      });
    for (const rule of page.Rules ?? []) {
      if (rule.Name === undefined || rule.Arn === undefined) continue;
      rules.push({
        name: rule.Name,
        arn: rule.Arn,
        state: rule.State ?? 'UNKNOWN',
        description: rule.Description ?? '',
        pattern: summarizePattern(rule.EventPattern),
        managedBy: rule.ManagedBy,
        targets: await listTargets(eventBridge, bus, rule.Name),
      });
    }
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return rules;
}

async function listTargets(
  eventBridge: EventBridgeClient,
  bus: BusInfo,
  rule: string,
): Promise<TargetInfo[]> {
  const targets: TargetInfo[] = [];
  let nextToken: string | undefined;
  do {
    const page = await eventBridge
      .send(new ListTargetsByRuleCommand({ Rule: rule, EventBusName: bus.name, NextToken: nextToken }))
      .catch((error: unknown) => {
        throw awsFailure(error, `list the targets of rule ${rule}`);
      });
    for (const target of page.Targets ?? []) {
      if (target.Id === undefined || target.Arn === undefined) continue;
      targets.push({ id: target.Id, arn: target.Arn, deadLetterArn: target.DeadLetterConfig?.Arn });
    }
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return targets;
}

/** The sources and detail-types an event pattern matches; undefined when it is not a pattern we can read. */
export function summarizePattern(text: string | undefined): EventPatternSummary | undefined {
  if (text === undefined) return undefined;
  let pattern: unknown;
  try {
    pattern = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof pattern !== 'object' || pattern === null) return undefined;
  const record = pattern as Record<string, unknown>;
  const sources = Array.isArray(record.source)
    ? record.source.filter((s): s is string => typeof s === 'string')
    : [];
  const types = record['detail-type'];
  if (!Array.isArray(types)) return { sources, detailTypes: undefined };
  const exact: string[] = [];
  const prefixes: string[] = [];
  for (const type of types) {
    if (typeof type === 'string') exact.push(type);
    else if (
      typeof type === 'object' &&
      type !== null &&
      typeof (type as { prefix?: unknown }).prefix === 'string'
    ) {
      prefixes.push((type as { prefix: string }).prefix);
    }
  }
  return { sources, detailTypes: { exact, prefixes } };
}

/** The rules that deliver the provider's events to subscribers (not EventBridge's own, not quarantine). */
export function subscriptionRules(rules: readonly RuleInfo[], provider: WebhookProvider): RuleInfo[] {
  return rules.filter(
    (rule) => rule.managedBy === undefined && rule.pattern?.sources.includes(provider.source) === true,
  );
}

/** The rules that keep the provider's quarantined deliveries. */
export function quarantineRules(rules: readonly RuleInfo[], provider: WebhookProvider): RuleInfo[] {
  return rules.filter(
    (rule) =>
      rule.managedBy === undefined && rule.pattern?.sources.includes(provider.quarantineSource) === true,
  );
}

/** Whether a rule's pattern lets an event of this type through. */
export function ruleMatchesType(rule: RuleInfo, type: string): boolean {
  const types = rule.pattern?.detailTypes;
  if (types === undefined) return true;
  return types.exact.includes(type) || types.prefixes.some((prefix) => type.startsWith(prefix));
}

/** The types a rule listens to, as subscribe() spells them: `check.completed*`, `client.deleted`, `*`. */
export function describeTypes(rule: RuleInfo): string {
  const types = rule.pattern?.detailTypes;
  if (types === undefined) return '*';
  return [...types.exact, ...types.prefixes.map((p) => `${p}*`)].join(', ');
}

/**
 * One rule picked by name: the exact name or ARN, or a part of the name that only one rule
 * contains, ignoring case and punctuation (`OnCheckCompletedAll` for
 * `ComplyCubeWebhooks-ComplyCubeOnCheckCompletedAll2127-1X2Y`, as CloudFormation names rules).
 */
export function pickRule(
  rules: readonly RuleInfo[],
  wanted: string,
  what: string,
  command: string,
): RuleInfo {
  const exact = rules.find((rule) => rule.name === wanted || rule.arn === wanted);
  if (exact !== undefined) return exact;
  const key = normalize(wanted);
  const partial = key === '' ? [] : rules.filter((rule) => normalize(rule.name).includes(key));
  if (partial.length === 1 && partial[0] !== undefined) return partial[0];
  if (partial.length > 1) {
    throw new UsageError(
      `'${wanted}' is part of ${partial.length} ${what} rules: ${partial.map((r) => r.name).join(', ')}. Pass more of the name.`,
      command,
    );
  }
  const suggestions = rules
    .map((rule) => ({ rule, score: longestCommonRun(key, normalize(rule.name)) / Math.max(1, key.length) }))
    .filter(({ score }) => score >= 0.6)
    .sort((a, b) => b.score - a.score)
    .slice(0, 3)
    .map(({ rule }) => rule.name);
  const listing = rules.map((rule) => `${rule.name} (${describeTypes(rule)})`);
  throw new UsageError(
    `No ${what} rule is called '${wanted}'.${didYouMean(suggestions)} The ${what} rules on this bus: ${listing.length === 0 ? 'none' : listing.join(', ')}.`,
    command,
  );
}

function normalize(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** The length of the longest run of characters `a` and `b` share. */
function longestCommonRun(a: string, b: string): number {
  let best = 0;
  let previous = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const current = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      if (a[i - 1] === b[j - 1]) {
        current[j] = (previous[j - 1] ?? 0) + 1;
        best = Math.max(best, current[j] ?? 0);
      }
    }
    previous = current;
  }
  return best;
}

/** The provider's archives on the bus (those whose pattern names its source). */
export async function providerArchives(
  eventBridge: EventBridgeClient,
  bus: BusInfo,
  provider: WebhookProvider,
): Promise<ArchiveInfo[]> {
  const archives: ArchiveInfo[] = [];
  let nextToken: string | undefined;
  do {
    const page = await eventBridge
      .send(new ListArchivesCommand({ EventSourceArn: bus.arn, NextToken: nextToken }))
      .catch((error: unknown) => {
        throw awsFailure(error, `list the archives of the event bus ${bus.name}`);
      });
    for (const entry of page.Archives ?? []) {
      if (entry.ArchiveName === undefined) continue;
      const archive = await describeArchive(eventBridge, entry.ArchiveName);
      if (archive.sources.includes(provider.source)) archives.push(archive);
    }
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return archives;
}

export async function describeArchive(eventBridge: EventBridgeClient, name: string): Promise<ArchiveInfo> {
  const archive = await eventBridge
    .send(new DescribeArchiveCommand({ ArchiveName: name }))
    .catch((error: unknown) => {
      if (isNotFound(error)) {
        throw new OpsError(
          `There is no archive '${name}'. Leave --archive out to use the provider's archive on the bus.`,
          {
            cause: error,
          },
        );
      }
      throw awsFailure(error, `describe the archive ${name}`);
    });
  if (archive.ArchiveArn === undefined)
    throw new OpsError(`EventBridge described archive ${name} without an ARN.`);
  return {
    name,
    arn: archive.ArchiveArn,
    sources: summarizePattern(archive.EventPattern)?.sources ?? [],
    retentionDays: archive.RetentionDays ?? 0,
    eventCount: archive.EventCount ?? 0,
    sizeBytes: archive.SizeBytes ?? 0,
    state: archive.State ?? 'UNKNOWN',
    createdAt: archive.CreationTime,
  };
}
