import { InvokeCommand } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, type Message, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { WebhookProvider } from '../../functions/receiver/providers/provider.js';
import {
  type BusInfo,
  describeBus,
  describeTypes,
  listRules,
  pickRule,
  quarantineRules,
  type RuleInfo,
  subscriptionRules,
} from '../aws/bus-inventory.js';
import { awsFailure, type OpsClients, opsClients } from '../aws/clients.js';
import { attribute, forEachMessage, queueDepth, queueName, queueUrl } from '../aws/queues.js';
import { busOption, parseCommandArgs, providerOption, regionOption, wholeOption } from '../kit/args.js';
import { OpsError } from '../kit/failure.js';
import type { CliIo } from '../kit/io.js';
import { printer } from '../kit/printer.js';
import { truncate } from '../kit/terminal.js';
import { UsageError } from '../kit/usage-error.js';
import type { CommandModule } from './registry.js';

const COMMAND = 'redrive';

export const REDRIVE_HELP = `Deliver a subscription's dead letters again: the events its target could not take after every
retry go back to that target (only that one), and leave the dead-letter queue once it took them.

Usage
  npx complycube-webhooks redrive --bus <name>                   which subscriptions have dead letters
  npx complycube-webhooks redrive --bus <name> --rule <name>     deliver one subscription's dead letters
  npx complycube-webhooks redrive --queue <url|arn|name>         deliver a dead-letter queue's messages, each
                                                                 to the target it failed at

Options
  --bus <name>         The event bus (the stack's EventBusName output).
  --provider <name>    complycube (default) or compliancely: whose subscriptions.
  --rule <name>        The subscription's rule: its name, or a part of it such as OnCheckCompletedAll.
  --queue <queue>      A dead-letter queue by URL, ARN or name.
  --dry-run            List what would be delivered (event id, type, time, why it failed) and move
                       nothing; the messages stay in the queue.
  --max <n>            Deliver at most n messages. Default 1000.
  --region <region>    Default: AWS_REGION or your profile's.
  --json               JSON lines instead of text.
  -h, --help           This help.

How: an SQS target gets the event as its message body, a Lambda target an asynchronous invocation
with the event as payload, as EventBridge does; both the events EventBridge could not deliver and
those a Lambda subscriber failed on after Lambda's retries are delivered again. Other targets are
left in the queue (replay the window to the rule instead: npx complycube-webhooks replay --rule …).
A message is deleted from the dead-letter queue only after its target accepted it; if this stops in
between, that one event may be delivered twice. Fix the target first: a Lambda subscriber that still
fails sends the event back to this queue after Lambda's retries.

Bodies are never printed: they carry personal data.

Exit codes: 0 every message delivered (or listed) · 1 some could not be delivered · 2 bad arguments.

Examples
  npx complycube-webhooks redrive --bus ComplyCubeWebhooks-Bus
  npx complycube-webhooks redrive --bus ComplyCubeWebhooks-Bus --rule OnCheckCompletedAll --dry-run
  npx complycube-webhooks redrive --bus ComplyCubeWebhooks-Bus --rule OnCheckCompletedAll
`;

/** The `redrive` command, as the registry runs it. */
export const redrive: CommandModule = {
  help: REDRIVE_HELP,
  async run(argv, io) {
    const options = parseRedriveArgs(argv);
    if (options === 'help') {
      io.stdout.write(REDRIVE_HELP);
      return 0;
    }
    return await runRedrive(options, io);
  },
};

export interface RedriveOptions {
  readonly bus: string | undefined;
  readonly provider: WebhookProvider;
  readonly rule: string | undefined;
  readonly queue: string | undefined;
  readonly dryRun: boolean;
  readonly max: number;
  readonly region: string | undefined;
  readonly json: boolean;
}

const OPTIONS = {
  bus: { type: 'string' },
  provider: { type: 'string' },
  rule: { type: 'string' },
  queue: { type: 'string' },
  'dry-run': { type: 'boolean' },
  max: { type: 'string' },
  region: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Parses the arguments after `redrive`; `'help'` for `--help`.
 *
 * @example
 * parseRedriveArgs(['--bus', 'b', '--rule', 'OnCheckCompletedAll', '--dry-run']);
 */
export function parseRedriveArgs(argv: readonly string[]): RedriveOptions | 'help' {
  const values = parseCommandArgs(argv, OPTIONS, COMMAND, '; name the subscription with --rule');
  if (values === 'help') return 'help';
  if (values.queue !== undefined && (values.bus !== undefined || values.rule !== undefined)) {
    throw new UsageError('Pass either --queue, or --bus with --rule; not both.', COMMAND);
  }
  if (values.queue === undefined && values.bus === undefined) {
    throw new UsageError(
      'Say where the dead letters are: --bus <name> lists the subscriptions that have some, --bus <name> --rule <name> delivers one subscription’s, --queue <url> a queue’s.',
      COMMAND,
    );
  }
  if (values.queue !== undefined && values.queue.trim() === '') {
    throw new UsageError('--queue is empty; pass the queue’s URL, ARN or name.', COMMAND);
  }
  return {
    bus: busOption(values.bus, COMMAND, false),
    provider: providerOption(values.provider, COMMAND),
    rule: values.rule,
    queue: values.queue,
    dryRun: values['dry-run'] === true,
    max: wholeOption(values.max, '--max', 1000, 1, 100_000, COMMAND),
    region: regionOption(values.region, COMMAND),
    json: values.json === true,
  };
}

export interface RedriveDeps {
  readonly clients: Pick<OpsClients, 'eventBridge' | 'sqs' | 'lambda'>;
  /** Long-poll wait of each receive. @default 2 */
  readonly waitSeconds: number;
}

/** One dead-letter queue to work through, and the targets whose messages may leave it. */
interface Source {
  readonly queue: string;
  /** Undefined: every target (the message says which). */
  readonly targets: ReadonlySet<string> | undefined;
  readonly label: string;
}

type Outcome = 'moved' | 'would_move' | 'skipped' | 'failed';

/**
 * Runs `redrive` and resolves to the exit code.
 *
 * @example
 * const options = parseRedriveArgs(argv);
 * if (options !== 'help') process.exitCode = await runRedrive(options, io);
 */
export async function runRedrive(
  options: RedriveOptions,
  io: CliIo,
  deps: Partial<RedriveDeps> = {},
): Promise<number> {
  const full: RedriveDeps = {
    clients: deps.clients ?? opsClients(options.region),
    waitSeconds: deps.waitSeconds ?? 2,
  };
  const { colour, print } = printer(io, options.json);

  let sources: Source[];
  if (options.queue !== undefined) {
    sources = [{ queue: options.queue, targets: undefined, label: queueName(options.queue) }];
  } else {
    const bus = await describeBus(full.clients.eventBridge, options.bus ?? '');
    const rules = await listRules(full.clients.eventBridge, bus);
    const candidates = [
      ...subscriptionRules(rules, options.provider),
      ...quarantineRules(rules, options.provider),
    ];
    if (options.rule === undefined) return listDeadLetters(bus, candidates, options, full, print);
    const rule = pickRule(candidates, options.rule, `${options.provider.name} subscription`, COMMAND);
    sources = sourcesOf(rule);
  }

  const totals: Record<Outcome, number> = { moved: 0, would_move: 0, skipped: 0, failed: 0 };
  let remaining = options.max;
  for (const source of sources) {
    const url = await queueUrl(full.clients.sqs, source.queue);
    print(
      'queue',
      { queue: url },
      colour.bold(
        `${options.dryRun ? 'Would deliver' : 'Delivering'} the dead letters in ${queueName(url)} (${source.label})`,
      ),
    );
    await forEachMessage(
      full.clients.sqs,
      url,
      { max: remaining, visibilitySeconds: 300, waitSeconds: full.waitSeconds },
      async (message) => {
        const result = await redriveOne(message, url, source, options, full);
        totals[result.outcome]++;
        remaining--;
        const mark = {
          moved: colour.green('delivered '),
          would_move: colour.cyan('would send'),
          skipped: colour.yellow('skipped   '),
          failed: colour.red('failed    '),
        }[result.outcome];
        print(
          result.outcome,
          { ...result.event, target: result.target, reason: result.reason },
          `  ${mark}  ${result.event.id ?? '?'}  ${result.event.type ?? '?'}  ${result.event.time ?? ''}${result.reason === undefined ? '' : colour.dim(`  ${result.reason}`)}`,
        );
        return result.outcome === 'moved' ? 'done' : 'release';
      },
    );
    if (remaining <= 0) break;
  }

  const summary = options.dryRun
    ? `${totals.would_move} would be delivered${totals.skipped > 0 ? `, ${totals.skipped} skipped` : ''}. Nothing was moved: run the same command without --dry-run.`
    : `${totals.moved} delivered${totals.failed > 0 ? `, ${totals.failed} failed (still in the queue)` : ''}${totals.skipped > 0 ? `, ${totals.skipped} skipped (still in the queue)` : ''}.`;
  print('summary', { ...totals, dryRun: options.dryRun }, summary);
  return totals.failed > 0 ? 1 : 0;
}

function sourcesOf(rule: RuleInfo): Source[] {
  const byQueue = new Map<string, Set<string>>();
  for (const target of rule.targets) {
    if (target.deadLetterArn === undefined) continue;
    const set = byQueue.get(target.deadLetterArn) ?? new Set<string>();
    set.add(target.arn);
    byQueue.set(target.deadLetterArn, set);
  }
  if (byQueue.size === 0) {
    throw new OpsError(
      `The targets of ${rule.name} have no dead-letter queue, so there is nothing to deliver again. To re-deliver a time window, replay it: npx complycube-webhooks replay --rule ${rule.name} --from <time>.`,
    );
  }
  return [...byQueue].map(([queue, targets]) => ({ queue, targets, label: rule.name }));
}

interface OneResult {
  readonly outcome: Outcome;
  readonly event: { readonly id?: string; readonly type?: string; readonly time?: string };
  readonly target: string | undefined;
  readonly reason: string | undefined;
}

async function redriveOne(
  message: Message,
  url: string,
  source: Source,
  options: RedriveOptions,
  deps: RedriveDeps,
): Promise<OneResult> {
  const letter = readDeadLetter(message);
  const { body, event, failedWith } = letter;
  const onlyTarget = source.targets?.size === 1 ? [...source.targets][0] : undefined;
  const target = letter.target ?? onlyTarget;
  const base = { event, target };
  if (body === undefined || event.id === undefined) {
    return { ...base, outcome: 'skipped', reason: 'not an EventBridge event; left in the queue' };
  }
  if (target === undefined) {
    return {
      ...base,
      outcome: 'skipped',
      reason: 'the message does not say its target (no TARGET_ARN); left in the queue',
    };
  }
  if (source.targets !== undefined && ![...source.targets].some((allowed) => sameTarget(allowed, target))) {
    return {
      ...base,
      outcome: 'skipped',
      reason: `failed at another subscription's target (${target}); left in the queue`,
    };
  }
  const kind = targetKind(target);
  if (kind === undefined) {
    return {
      ...base,
      outcome: 'skipped',
      reason: `redrive delivers to SQS queues and Lambda functions, not to ${target}; replay the window to its rule instead`,
    };
  }
  if (options.dryRun) {
    return {
      ...base,
      outcome: 'would_move',
      reason: failedWith === undefined ? undefined : `failed with ${truncate(failedWith, 160)}`,
    };
  }
  try {
    if (kind === 'sqs') {
      const targetUrl = await queueUrl(deps.clients.sqs, target);
      await deps.clients.sqs.send(new SendMessageCommand({ QueueUrl: targetUrl, MessageBody: body }));
    } else {
      const result = await deps.clients.lambda.send(
        new InvokeCommand({
          FunctionName: target,
          InvocationType: 'Event',
          Payload: Buffer.from(body, 'utf8'),
        }),
      );
      if (result.StatusCode !== 202)
        throw new OpsError(`Lambda answered ${result.StatusCode} instead of 202.`);
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ...base, outcome: 'failed', reason: `could not deliver: ${truncate(reason, 200)}` };
  }
  if (message.ReceiptHandle !== undefined) {
    await deps.clients.sqs
      .send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }))
      .catch((error: unknown) => {
        throw awsFailure(
          error,
          `remove event ${event.id} from ${queueName(url)} after delivering it (it is delivered: delete it by hand, or its next redrive delivers it twice)`,
        );
      });
  }
  return { ...base, outcome: 'moved', reason: undefined };
}

interface DeadLetter {
  /** The event to deliver, as JSON; undefined when the message holds none. */
  readonly body: string | undefined;
  readonly event: { readonly id?: string; readonly type?: string; readonly time?: string };
  /** Where it failed, when the message says. */
  readonly target: string | undefined;
  readonly failedWith: string | undefined;
}

/** Reads either kind of dead letter (see the module comment). */
export function readDeadLetter(message: Message): DeadLetter {
  const raw = message.Body ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { body: undefined, event: {}, target: undefined, failedWith: undefined };
  }
  const record = isRecord(parsed) ? parsed : {};
  const context = isRecord(record.requestContext) ? record.requestContext : undefined;
  if (context !== undefined && typeof context.functionArn === 'string' && isRecord(record.requestPayload)) {
    const response = isRecord(record.responsePayload) ? record.responsePayload : {};
    const errorType = typeof response.errorType === 'string' ? response.errorType : undefined;
    const condition = typeof context.condition === 'string' ? context.condition : 'failed';
    const attempts =
      typeof context.approximateInvokeCount === 'number'
        ? `, ${context.approximateInvokeCount} attempts`
        : '';
    return {
      body: JSON.stringify(record.requestPayload),
      event: envelopeSummary(record.requestPayload),
      // The function as EventBridge invokes it: $LATEST is the unqualified ARN.
      target: context.functionArn.replace(/:\$LATEST$/, ''),
      failedWith: `Lambda ${condition}${attempts}${errorType === undefined ? '' : ` (${errorType})`}`,
    };
  }
  const code = attribute(message, 'ERROR_CODE');
  const text = attribute(message, 'ERROR_MESSAGE');
  return {
    body: raw,
    event: envelopeSummary(record),
    target: attribute(message, 'TARGET_ARN'),
    failedWith:
      code === undefined && text === undefined
        ? undefined
        : [code, text].filter((p) => p !== undefined).join(': '),
  };
}

/** Two target ARNs name the same target; a Lambda function with or without `$LATEST`. */
function sameTarget(a: string, b: string): boolean {
  const base = (arn: string) =>
    arn.replace(/^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[^:]+):.*$/, '$1');
  return a === b || (a.includes(':lambda:') && base(a) === base(b));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function targetKind(arn: string): 'sqs' | 'lambda' | undefined {
  if (/^arn:aws[a-z-]*:sqs:/.test(arn)) return arn.endsWith('.fifo') ? undefined : 'sqs';
  if (/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:/.test(arn)) return 'lambda';
  return undefined;
}

/** The event's id, type and time from an EventBridge envelope; nothing from its detail. */
function envelopeSummary(envelope: Record<string, unknown>): { id?: string; type?: string; time?: string } {
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const id = text(envelope.id);
  const type = text(envelope['detail-type']);
  if (id === undefined || type === undefined) return {};
  return { id, type, time: text(envelope.time) };
}

async function listDeadLetters(
  bus: BusInfo,
  rules: readonly RuleInfo[],
  options: RedriveOptions,
  deps: RedriveDeps,
  print: (kind: string, data: Record<string, unknown>, text: string) => void,
): Promise<number> {
  print('bus', { bus: bus.name }, `Dead letters of ${options.provider.name} subscriptions on ${bus.name}:`);
  let waiting = 0;
  for (const rule of rules) {
    for (const target of rule.targets) {
      if (target.deadLetterArn === undefined) {
        print(
          'rule',
          { rule: rule.name, target: target.arn, deadLetterQueue: null },
          `  ${rule.name}  (${describeTypes(rule)})  no dead-letter queue`,
        );
        continue;
      }
      const depth = await queueDepth(
        deps.clients.sqs,
        await queueUrl(deps.clients.sqs, target.deadLetterArn),
      );
      waiting += depth.visible;
      print(
        'rule',
        { rule: rule.name, target: target.arn, deadLetterQueue: target.deadLetterArn, ...depth },
        `  ${rule.name}  (${describeTypes(rule)})  ${depth.visible} waiting${depth.inFlight > 0 ? `, ${depth.inFlight} being read` : ''}`,
      );
    }
  }
  if (waiting > 0) {
    print(
      'hint',
      {},
      `\nSee why they failed: npx complycube-webhooks redrive --bus ${bus.name} --rule <name> --dry-run\nDeliver them again: npx complycube-webhooks redrive --bus ${bus.name} --rule <name>`,
    );
  }
  return 0;
}
