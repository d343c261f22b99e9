import { DeleteMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { WebhookProvider } from '../../functions/receiver/providers/provider.js';
import { PROVIDERS } from '../../functions/receiver/providers/registry.js';
import { describeBus, listRules, quarantineRules } from '../aws/bus-inventory.js';
import { awsFailure, type OpsClients, opsClients } from '../aws/clients.js';
import { forEachMessage, queueName, queueUrl } from '../aws/queues.js';
import { busOption, parseCommandArgs, providerOption, regionOption, wholeOption } from '../kit/args.js';
import { OpsError } from '../kit/failure.js';
import type { CliIo } from '../kit/io.js';
import { printer } from '../kit/printer.js';
import { truncate } from '../kit/terminal.js';
import { UsageError } from '../kit/usage-error.js';
import type { CommandModule } from './registry.js';

const COMMAND = 'quarantine';

export const QUARANTINE_HELP = `Show what is in a receiver's quarantine queue: authentic deliveries that could not be routed (not
an event, older than the idempotency retention, refused by the bus). Nothing is taken out of the
queue unless you --delete it.

Usage
  npx complycube-webhooks quarantine --bus <name> [--provider <name>] [options]
  npx complycube-webhooks quarantine --queue <url|arn|name> [options]

Options
  --bus <name>         The event bus (the stack's EventBusName output); the queue is found from the
                       provider's quarantine rule.
  --provider <name>    complycube (default) or compliancely.
  --queue <queue>      The quarantine queue itself (the QuarantineQueueUrl output).
  --show-body          Also print each body. They may hold personal data: mind where the output goes.
  --delete <sha256>    Delete the messages whose body digest starts with this (at least 12 of the
                       hex characters the listing shows). Repeatable. Do it once a delivery is handled.
  --dry-run            With --delete: say what would be deleted, delete nothing.
  --max <n>            Read at most n messages. Default 100.
  --region <region>    Default: AWS_REGION or your profile's.
  --json               JSON lines instead of text.
  -h, --help           This help.

Each line: when it was received, why it is here, the event id and type when the body has them, the
body's SHA-256 and size.

Examples
  npx complycube-webhooks quarantine --bus ComplyCubeWebhooks-Bus
  npx complycube-webhooks quarantine --bus ComplyCubeWebhooks-Bus --provider compliancely --show-body
  npx complycube-webhooks quarantine --bus ComplyCubeWebhooks-Bus --delete 3f1a9c0b2d4e
`;

/** The `quarantine` command, as the registry runs it. */
export const quarantine: CommandModule = {
  help: QUARANTINE_HELP,
  async run(argv, io) {
    const options = parseQuarantineArgs(argv);
    if (options === 'help') {
      io.stdout.write(QUARANTINE_HELP);
      return 0;
    }
    return await runQuarantine(options, io);
  },
};

export interface QuarantineOptions {
  readonly bus: string | undefined;
  readonly queue: string | undefined;
  readonly provider: WebhookProvider;
  readonly showBody: boolean;
  readonly delete: readonly string[];
  readonly dryRun: boolean;
  readonly max: number;
  readonly region: string | undefined;
  readonly json: boolean;
}

const OPTIONS = {
  bus: { type: 'string' },
  queue: { type: 'string' },
  provider: { type: 'string' },
  'show-body': { type: 'boolean' },
  delete: { type: 'string', multiple: true },
  'dry-run': { type: 'boolean' },
  max: { type: 'string' },
  region: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const DIGEST_PREFIX = /^[0-9a-f]{12,64}$/;

/**
 * Parses the arguments after `quarantine`; `'help'` for `--help`.
 *
 * @example
 * parseQuarantineArgs(['--bus', 'b', '--show-body']);
 */
export function parseQuarantineArgs(argv: readonly string[]): QuarantineOptions | 'help' {
  const values = parseCommandArgs(argv, OPTIONS, COMMAND, '');
  if (values === 'help') return 'help';
  if ((values.bus === undefined) === (values.queue === undefined)) {
    throw new UsageError(
      'Say which quarantine: --bus <name> (the EventBusName output; add --provider compliancely for that receiver) or --queue <url> (the QuarantineQueueUrl output), not both.',
      COMMAND,
    );
  }
  const digests = (values.delete ?? []).map((digest) => digest.toLowerCase());
  for (const digest of digests) {
    if (!DIGEST_PREFIX.test(digest)) {
      throw new UsageError(
        `--delete '${digest}' is not a body digest: give at least 12 of the hex characters the listing shows after sha256, e.g. --delete 3f1a9c0b2d4e.`,
        COMMAND,
      );
    }
  }
  if (values['dry-run'] === true && digests.length === 0) {
    throw new UsageError(
      '--dry-run goes with --delete (listing never changes the queue); drop it, or add --delete <sha256>.',
      COMMAND,
    );
  }
  return {
    bus: busOption(values.bus, COMMAND, false),
    queue: values.queue,
    provider: providerOption(values.provider, COMMAND),
    showBody: values['show-body'] === true,
    delete: digests,
    dryRun: values['dry-run'] === true,
    max: wholeOption(values.max, '--max', 100, 1, 10_000, COMMAND),
    region: regionOption(values.region, COMMAND),
    json: values.json === true,
  };
}

/** One quarantined delivery as the listing shows it. */
export interface QuarantinedDelivery {
  readonly messageId: string;
  readonly receivedAt: string | undefined;
  readonly reason: string;
  readonly provider: string | undefined;
  readonly eventId: string | undefined;
  readonly eventType: string | undefined;
  readonly bodySha256: string | undefined;
  readonly bodyBytes: number | undefined;
  /** Only with --show-body. */
  readonly body?: string;
}

export interface QuarantineDeps {
  readonly clients: Pick<OpsClients, 'eventBridge' | 'sqs'>;
  readonly waitSeconds: number;
}

/**
 * Runs `quarantine` and resolves to the exit code.
 *
 * @example
 * const options = parseQuarantineArgs(argv);
 * if (options !== 'help') process.exitCode = await runQuarantine(options, io);
 */
export async function runQuarantine(
  options: QuarantineOptions,
  io: CliIo,
  deps: Partial<QuarantineDeps> = {},
): Promise<number> {
  const full: QuarantineDeps = {
    clients: deps.clients ?? opsClients(options.region),
    waitSeconds: deps.waitSeconds ?? 2,
  };
  const { colour, print } = printer(io, options.json);
  const url = await queueUrl(full.clients.sqs, options.queue ?? (await quarantineQueueOf(options, full)));
  print('queue', { queue: url }, colour.bold(`Quarantine ${queueName(url)}`));

  const reasons = new Map<string, number>();
  let listed = 0;
  let deleted = 0;
  let wouldDelete = 0;
  await forEachMessage(
    full.clients.sqs,
    url,
    { max: options.max, visibilitySeconds: 60, waitSeconds: full.waitSeconds },
    async (message) => {
      const delivery = readQuarantined(message, options.provider, options.showBody);
      listed++;
      reasons.set(delivery.reason, (reasons.get(delivery.reason) ?? 0) + 1);
      const doomed = options.delete.some((prefix) => delivery.bodySha256?.startsWith(prefix) === true);
      const mark = doomed
        ? options.dryRun
          ? colour.yellow('would delete ')
          : colour.red('deleted      ')
        : '';
      print(
        doomed ? (options.dryRun ? 'would_delete' : 'deleted') : 'delivery',
        { ...delivery },
        `  ${mark}${delivery.receivedAt ?? '?'}  ${colour.yellow(delivery.reason)}  ${delivery.eventId ?? '-'}  ${delivery.eventType ?? '-'}  sha256 ${delivery.bodySha256?.slice(0, 12) ?? '?'}  ${delivery.bodyBytes === undefined ? '' : `${delivery.bodyBytes} bytes`}`,
      );
      if (delivery.body !== undefined && !options.json) io.stdout.write(`${indent(delivery.body)}\n`);
      if (doomed && options.dryRun) wouldDelete++;
      if (!doomed || options.dryRun) return 'release';
      if (message.ReceiptHandle !== undefined) {
        await full.clients.sqs
          .send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }))
          .catch((error: unknown) => {
            throw awsFailure(
              error,
              `delete the quarantined delivery ${delivery.bodySha256 ?? delivery.messageId}`,
            );
          });
      }
      deleted++;
      return 'done';
    },
  );

  const byReason = [...reasons].map(([reason, count]) => `${reason} ${count}`).join(', ');
  const lines = [
    listed === 0
      ? 'The quarantine is empty.'
      : `${listed} quarantined deliver${listed === 1 ? 'y' : 'ies'}${listed === options.max ? ' (or more: raise --max)' : ''}: ${byReason}.`,
  ];
  if (options.delete.length > 0) {
    lines.push(
      options.dryRun
        ? `${wouldDelete} would be deleted; run again without --dry-run.`
        : `${deleted} deleted.`,
    );
  } else if (listed > 0) {
    lines.push(
      options.showBody
        ? 'Nothing was taken out of the queue.'
        : 'Bodies are hidden (they may hold personal data): add --show-body to see them. Nothing was taken out of the queue.',
    );
  }
  if (options.delete.length > 0 && deleted + wouldDelete === 0) {
    lines.push(
      `No quarantined delivery has a digest starting with ${options.delete.join(' or ')}; nothing was deleted.`,
    );
  }
  print('summary', { listed, deleted, wouldDelete, reasons: Object.fromEntries(reasons) }, lines.join('\n'));
  return options.delete.length > 0 && deleted + wouldDelete === 0 ? 1 : 0;
}

async function quarantineQueueOf(options: QuarantineOptions, deps: QuarantineDeps): Promise<string> {
  const bus = await describeBus(deps.clients.eventBridge, options.bus ?? '');
  const rules = quarantineRules(await listRules(deps.clients.eventBridge, bus), options.provider);
  const queues = [
    ...new Set(
      rules.flatMap((rule) => rule.targets.map((t) => t.arn)).filter((arn) => arn.includes(':sqs:')),
    ),
  ];
  const [queue, ...more] = queues;
  if (queue === undefined) {
    throw new OpsError(
      `No rule on ${bus.name} keeps ${options.provider.quarantineSource} deliveries in a queue. Is this the ${options.provider.name} receiver's bus? Pass --provider, or --queue with the QuarantineQueueUrl output.`,
    );
  }
  if (more.length > 0) {
    throw new OpsError(
      `Several queues keep ${options.provider.quarantineSource} deliveries: ${queues.join(', ')}. Pass --queue.`,
    );
  }
  return queue;
}

/**
 * Reads one quarantine message: the EventBridge envelope around the receiver's quarantine detail
 * (`provider`, `reason`, `bodySha256`, `receivedAt`, and `body`, `bodyBase64` or `bodyStored`).
 * The event id and type come from the provider's own reading of the body, when it has them.
 */
export function readQuarantined(
  message: Message,
  fallback: WebhookProvider,
  showBody: boolean,
): QuarantinedDelivery {
  const messageId = message.MessageId ?? '?';
  let envelope: unknown;
  try {
    envelope = JSON.parse(message.Body ?? '');
  } catch {
    envelope = undefined;
  }
  const detail = isRecord(envelope) && isRecord(envelope.detail) ? envelope.detail : undefined;
  if (detail === undefined) {
    return {
      messageId,
      receivedAt: undefined,
      reason: 'unreadable (not a quarantine event)',
      provider: undefined,
      eventId: undefined,
      eventType: undefined,
      bodySha256: undefined,
      bodyBytes: undefined,
    };
  }
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const providerName = text(detail.provider);
  const provider =
    providerName !== undefined && Object.hasOwn(PROVIDERS, providerName) ? PROVIDERS[providerName] : fallback;
  const body = text(detail.body);
  const base64 = text(detail.bodyBase64);
  const stored = isRecord(detail.bodyStored) ? detail.bodyStored : undefined;
  let eventId: string | undefined;
  let eventType: string | undefined;
  if (body !== undefined && provider !== undefined) {
    try {
      const read = provider.readEvent(JSON.parse(body), body);
      if (read.ok) {
        eventId = read.event.id;
        eventType = read.event.type;
      }
    } catch {
      // Not JSON: the reason says so; there is no id or type to show.
    }
  }
  const bodyBytes =
    body !== undefined
      ? Buffer.byteLength(body)
      : base64 !== undefined
        ? Buffer.from(base64, 'base64').length
        : typeof stored?.bytes === 'number'
          ? stored.bytes
          : undefined;
  const shown = !showBody
    ? undefined
    : body !== undefined
      ? body
      : base64 !== undefined
        ? `(not UTF-8; base64) ${base64}`
        : stored !== undefined
          ? `(too large for the bus; stored at s3://${text(stored.bucket) ?? '?'}/${text(stored.key) ?? '?'})`
          : '(no body)';
  return {
    messageId,
    receivedAt: text(detail.receivedAt),
    reason: text(detail.reason) ?? 'unknown',
    provider: providerName,
    eventId: eventId === undefined ? undefined : truncate(eventId, 80),
    eventType: eventType === undefined ? undefined : truncate(eventType, 80),
    bodySha256: text(detail.bodySha256),
    bodyBytes,
    ...(shown === undefined ? {} : { body: shown }),
  };
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `      ${line}`)
    .join('\n');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
