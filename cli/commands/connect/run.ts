/**
 * Runs `connect`, `status` or `disconnect`: resolves the receiver (see `target.ts`), calls the
 * shared core (`functions/connect/core`), and prints the outcome for people or, with `--json`, one
 * JSON object per line. No secret and no API key is ever printed.
 */

import { connect, disconnect, type StatusReport, status } from '../../../functions/connect/core/connect.js';
import { ConnectError } from '../../../functions/connect/core/errors.js';
import { OpsError } from '../../kit/failure.js';
import type { CliIo } from '../../kit/io.js';
import { type Printer, printer } from '../../kit/printer.js';
import { UsageError } from '../../kit/usage-error.js';
import { describeLastAccepted, type LastAccepted } from './last-accepted.js';
import { type ConnectCliOptions, type ConnectCommand, parseConnectArgs } from './options.js';
import { type ConnectTarget, resolveConnectTarget, type TargetDependencies } from './target.js';

/** Exit code when nothing could be done because the API key is not set yet (or nothing to register). */
export const EXIT_NOT_CONFIGURED = 3;

/**
 * @example
 * process.exitCode = await runConnectCommand('status', ['--stack', 'ComplyCubeWebhooks'], io);
 */
export async function runConnectCommand(
  command: ConnectCommand,
  argv: readonly string[],
  io: CliIo,
  help: string,
  dependencies: TargetDependencies = {},
): Promise<number> {
  const options = parseConnectArgs(command, argv);
  if (options === 'help') {
    io.stdout.write(help);
    return 0;
  }
  const out = printer(io, options.json);
  const target = await resolveConnectTarget(options, io, {
    ...dependencies,
    onRetry: (notice) =>
      out.print(
        'retry',
        { ...notice },
        out.colour.dim(
          `ComplyCube ${notice.status === undefined ? 'did not answer' : `answered ${notice.status}`} to ${notice.method} ${notice.path}; trying again in ${(notice.delayMs / 1000).toFixed(1)} s`,
        ),
      ),
  });
  try {
    switch (command) {
      case 'connect':
        return await runConnect(options, target, out);
      case 'status':
        return await runStatus(options, target, out);
      case 'disconnect':
        return await runDisconnect(options, target, out);
    }
  } catch (error) {
    if (error instanceof ConnectError) throw new OpsError(error.message, { cause: error.cause });
    throw error;
  } finally {
    target.close();
  }
}

async function runConnect(options: ConnectCliOptions, target: ConnectTarget, out: Printer): Promise<number> {
  const { url, events, webhookSecret } = requireReceiver(options, target);
  const result = await connect(
    { url, events, ...(target.webhookId === undefined ? {} : { webhookId: target.webhookId }) },
    { apiKey: target.apiKey, webhookSecret, api: target.api },
  );
  warn(
    out,
    result.warnings.filter((w) => w !== result.summary),
  );
  const { colour } = out;
  out.print(
    'result',
    {
      action: result.action,
      webhookId: result.webhookId ?? null,
      changes: result.changes,
      secret: result.secret,
      warnings: result.warnings,
      summary: result.summary,
    },
    result.action === 'skipped' ? colour.yellow(result.summary) : colour.green(result.summary),
  );
  for (const change of result.changes) out.line(colour.dim(`  ${change}`));
  return result.action === 'skipped' ? EXIT_NOT_CONFIGURED : 0;
}

async function runStatus(options: ConnectCliOptions, target: ConnectTarget, out: Printer): Promise<number> {
  const { url, events, webhookSecret } = requireReceiver(options, target);
  const report = await status(
    { url, events, ...(target.webhookId === undefined ? {} : { webhookId: target.webhookId }) },
    { apiKey: target.apiKey, webhookSecret, api: target.api },
  );
  const lastAccepted = target.lastAccepted === undefined ? undefined : await target.lastAccepted();
  out.print(
    'status',
    { ...report, lastAccepted: lastAccepted ?? null },
    describeStatus(report, target, out, lastAccepted),
  );
  if (report.apiKey === 'placeholder') return EXIT_NOT_CONFIGURED;
  return report.problems.length === 0 ? 0 : 1;
}

async function runDisconnect(
  options: ConnectCliOptions,
  target: ConnectTarget,
  out: Printer,
): Promise<number> {
  const result = await disconnect(
    {
      ...(target.webhookId === undefined ? {} : { webhookId: target.webhookId }),
      // Only by URL when no id names the webhook: an explicit id deletes that one alone.
      ...(options.webhookId === undefined && target.url !== undefined ? { url: target.url } : {}),
    },
    {
      apiKey: target.apiKey,
      api: target.api,
      ...(target.webhookSecret === undefined ? {} : { webhookSecret: target.webhookSecret }),
    },
  );
  const { colour } = out;
  out.print(
    'result',
    {
      action: result.action,
      webhookIds: result.webhookIds,
      warnings: result.warnings,
      summary: result.summary,
    },
    result.action === 'skipped' ? colour.yellow(result.summary) : colour.green(result.summary),
  );
  if (result.action === 'deleted') {
    out.line(
      colour.dim(
        '  The receiver keeps its webhook secret; ComplyCube delivers nothing to it now. `connect` registers it again.',
      ),
    );
  }
  return result.action === 'skipped' ? EXIT_NOT_CONFIGURED : 0;
}

function requireReceiver(
  options: ConnectCliOptions,
  target: ConnectTarget,
): { url: string; events: readonly string[]; webhookSecret: NonNullable<ConnectTarget['webhookSecret']> } {
  if (target.url === undefined || target.webhookSecret === undefined) {
    throw new UsageError(
      'Say which receiver: --stack <name>, or --url <function url> --secret-id <webhook secret>.',
      options.command,
    );
  }
  if (target.events === undefined) {
    throw new UsageError(
      `Which event types does ${target.label} need? Pass --events (comma-separated, or '*' for every type), e.g. --events check.completed,client.created.`,
      options.command,
    );
  }
  return { url: target.url, events: target.events, webhookSecret: target.webhookSecret };
}

function warn(out: Printer, warnings: readonly string[]): void {
  for (const warning of warnings) out.print('warning', { text: warning }, `warning: ${warning}`, true);
}

function describeStatus(
  report: StatusReport,
  target: ConnectTarget,
  out: Printer,
  lastAccepted: LastAccepted | undefined,
): string {
  const { colour } = out;
  const ok = (good: boolean, text: string) =>
    good ? `${colour.green('✓')} ${text}` : `${colour.red('✗')} ${text}`;
  const lines: string[] = [];
  const webhook = report.webhook;
  if (report.apiKey === 'placeholder') {
    lines.push(colour.yellow(`Cannot ask ComplyCube about ${target.label}: the API key is not set.`));
  } else if (webhook === undefined) {
    lines.push(colour.red(`ComplyCube has no webhook for ${report.expected.url}.`));
  } else {
    lines.push(
      colour.bold(
        `ComplyCube webhook ${webhook.id} (found by ${report.foundBy ?? 'url'}) for ${target.label}`,
      ),
    );
    lines.push(`  ${ok(webhook.url === report.expected.url, `url      ${webhook.url}`)}`);
    lines.push(
      `  ${ok(webhook.enabled, `enabled  ${webhook.enabled ? 'yes' : 'no: ComplyCube delivers nothing'}`)}`,
    );
    const drift = [
      ...report.missingEvents.map((e) => `missing ${e}`),
      ...report.extraEvents.map((e) => `extra ${e}`),
    ];
    lines.push(
      `  ${ok(drift.length === 0, `events   ${webhook.events.join(', ')}${drift.length === 0 ? '' : ` (${drift.join(', ')})`}`)}`,
    );
  }
  const secretText =
    report.secret === 'unset'
      ? 'not set (the placeholder): the receiver answers 503'
      : report.secret === 'rotating'
        ? 'set, rotating: the old and the new secret both verify'
        : 'set';
  const forThis =
    report.secretForThisWebhook === undefined
      ? ''
      : report.secretForThisWebhook
        ? ', for this webhook'
        : ', for another webhook';
  lines.push(
    `  ${ok(report.secret !== 'unset' && report.secretForThisWebhook !== false, `secret   ${secretText}${forThis}`)}`,
  );
  if (report.accountWebhooks !== undefined)
    lines.push(colour.dim(`  account  ${report.accountWebhooks} of 20 webhooks`));
  lines.push(
    colour.dim(
      `  ${
        lastAccepted === undefined
          ? 'last accepted: unknown (name the stack with --stack to read its metrics)'
          : describeLastAccepted(lastAccepted)
      }`,
    ),
  );
  if (report.problems.length === 0) lines.push(colour.green('All as expected.'));
  for (const problem of report.problems) lines.push(colour.red(`  - ${problem}`));
  return lines.join('\n');
}
