/**
 * What `send` prints: a line (or a JSON object) per answer, and the summary; and `--list`.
 */
import type { CliIo } from '../../kit/io.js';
import { formatDuration, type Paint, pad, truncate } from '../../kit/terminal.js';
import type { Delivery } from './delivery.js';
import type { Answer, Judgement, Outcome } from './judge.js';
import type { SendOptions } from './options.js';
import { listFixtures, type SenderProvider } from './providers.js';
import type { Target } from './target.js';

export function describePlan(options: SendOptions, deliveries: readonly Delivery[]): string {
  const events = options.fixtures.length * options.repeat;
  const parts = [`${events} ${options.provider.displayName} event${events === 1 ? '' : 's'}`];
  if (options.duplicate) parts.push('each twice');
  if (options.tamper) parts.push('tampered (expect 401)');
  const how = [
    options.concurrency > 1 ? `${options.concurrency} at a time` : '',
    options.shuffle ? 'shuffled' : '',
    options.retry
      ? `retrying on ${options.provider.displayName}'s schedule${options.timeScale === 1 ? '' : ` ×${options.timeScale}`}`
      : '',
  ].filter((p) => p !== '');
  return `${deliveries.length} request${deliveries.length === 1 ? '' : 's'} (${parts.join(', ')})${how.length > 0 ? `, ${how.join(', ')}` : ''}`;
}

export function answerLine(
  colour: Paint,
  delivery: Delivery,
  answer: Answer,
  attempt: number,
  judgement: Judgement,
  wait: number | undefined,
  options: SendOptions,
): string {
  const mark =
    judgement === 'expected'
      ? colour.green('✓')
      : judgement === 'retryable' && wait !== undefined
        ? colour.yellow('↻')
        : colour.red('✗');
  const status =
    answer.status === undefined
      ? colour.red(pad('---', 3))
      : answer.status < 300
        ? colour.green(String(answer.status))
        : answer.status === 401 && delivery.tampered
          ? colour.yellow(String(answer.status))
          : colour.red(String(answer.status));
  const verdict = pad(answer.verdict ?? (answer.error === undefined ? '' : 'no answer'), 12);
  const tags = [
    delivery.copies > 1 ? `copy ${delivery.copy}/${delivery.copies}` : '',
    delivery.tampered ? 'tampered' : '',
    attempt > 0 ? `retry ${attempt}` : '',
  ].filter((t) => t !== '');
  const detail = answer.error ?? truncate(compactBody(answer.body), 120);
  const retry =
    wait === undefined
      ? ''
      : colour.yellow(
          `  → retry ${attempt + 1}/${options.retries} in ${formatDuration(wait)}${options.timeScale === 1 ? '' : ` (${formatDuration(wait / options.timeScale)} at ${options.provider.displayName})`}`,
        );
  return `${mark} ${status} ${verdict} ${pad(delivery.event.type, 34)} ${colour.dim(pad(delivery.event.id, 26))} ${pad(formatDuration(answer.latencyMs), 8)}${tags.length > 0 ? colour.cyan(`[${tags.join(', ')}] `) : ''}${colour.dim(detail)}${retry}`;
}

function compactBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body));
  } catch {
    return body.replace(/\s+/g, ' ').trim();
  }
}

export function answerRecord(
  delivery: Delivery,
  answer: Answer,
  attempt: number,
  judgement: Judgement,
  wait: number | undefined,
): Record<string, unknown> {
  let body: unknown = answer.body;
  try {
    body = JSON.parse(answer.body);
  } catch {
    // Keep the text.
  }
  return {
    kind: 'response',
    eventId: delivery.event.id,
    eventType: delivery.event.type,
    copy: delivery.copy,
    copies: delivery.copies,
    tampered: delivery.tampered,
    attempt: attempt + 1,
    status: answer.status ?? null,
    verdict: answer.verdict ?? null,
    body,
    latencyMs: Math.round(answer.latencyMs * 10) / 10,
    judgement,
    ...(answer.error === undefined ? {} : { error: answer.error }),
    ...(wait === undefined ? {} : { retryInMs: wait }),
  };
}

interface Tally {
  readonly label: string;
  count: number;
}

function tallies(outcomes: readonly Outcome[]): Tally[] {
  const byLabel = new Map<string, Tally>();
  for (const outcome of outcomes) {
    const answer = outcome.answers.at(-1);
    const label =
      answer === undefined
        ? 'not sent'
        : answer.status === undefined
          ? `no answer (${answer.error ?? ''})`
          : `${answer.status} ${answer.verdict ?? ''}`.trim();
    const tally = byLabel.get(label) ?? { label, count: 0 };
    tally.count++;
    byLabel.set(label, tally);
  }
  return [...byLabel.values()].sort((a, b) => a.label.localeCompare(b.label));
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

function latencies(outcomes: readonly Outcome[]): number[] {
  return outcomes
    .flatMap((o) => o.answers)
    .filter((a) => a.status !== undefined)
    .map((a) => a.latencyMs)
    .sort((a, b) => a - b);
}

export function summaryRecord(
  outcomes: readonly Outcome[],
  planned: number,
  elapsedMs: number,
  interrupted: boolean,
): Record<string, unknown> {
  const sorted = latencies(outcomes);
  const unexpected = outcomes.filter((o) => o.judgement !== 'expected');
  return {
    kind: 'summary',
    planned,
    sent: outcomes.length,
    requests: outcomes.reduce((n, o) => n + o.answers.length, 0),
    answers: Object.fromEntries(tallies(outcomes).map((t) => [t.label, t.count])),
    unexpected: unexpected.length,
    latencyMs: {
      p50: round(percentile(sorted, 50)),
      p95: round(percentile(sorted, 95)),
      max: round(sorted.at(-1) ?? 0),
    },
    elapsedMs: round(elapsedMs),
    interrupted,
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export function summaryLines(
  colour: Paint,
  outcomes: readonly Outcome[],
  planned: number,
  elapsedMs: number,
  interrupted: boolean,
  target: Target,
): string[] {
  const requests = outcomes.reduce((n, o) => n + o.answers.length, 0);
  const sorted = latencies(outcomes);
  const lines = [
    '',
    colour.bold(
      `${outcomes.length === planned ? `Sent ${planned}` : `Sent ${outcomes.length} of ${planned}`} deliver${planned === 1 ? 'y' : 'ies'} (${requests} request${requests === 1 ? '' : 's'}) in ${formatDuration(elapsedMs)}`,
    ),
    ...tallies(outcomes).map((t) => `  ${pad(t.label, 28)} ${t.count}`),
  ];
  if (sorted.length > 0) {
    lines.push(
      colour.dim(
        `  latency p50 ${formatDuration(percentile(sorted, 50))} · p95 ${formatDuration(percentile(sorted, 95))} · max ${formatDuration(sorted.at(-1) ?? 0)}`,
      ),
    );
  }
  const unexpected = outcomes.filter((o) => o.judgement !== 'expected');
  if (interrupted) lines.push(colour.yellow('Interrupted: what was not sent yet was dropped.'));
  if (unexpected.length === 0 && !interrupted) {
    lines.push(colour.green(`Every answer was what a healthy receiver gives.`));
  } else if (unexpected.length > 0) {
    lines.push(
      colour.red(
        `${unexpected.length} deliver${unexpected.length === 1 ? 'y was' : 'ies were'} not answered as a healthy receiver would:`,
      ),
    );
    for (const o of unexpected.slice(0, 10)) {
      const a = o.answers.at(-1);
      const what =
        a === undefined
          ? 'not sent'
          : a.status === undefined
            ? (a.error ?? 'no answer')
            : `${a.status} ${a.verdict ?? ''}`.trim();
      const want = o.delivery.tampered ? 'expected 401 forged' : 'expected 2xx';
      lines.push(
        colour.red(`  ${o.delivery.event.type} ${o.delivery.event.id}: ${what} (${o.note ?? want})`),
      );
    }
    if (unexpected.length > 10) lines.push(colour.red(`  … and ${unexpected.length - 10} more`));
    if (unexpected.some((o) => o.answers.at(-1)?.error === 'connection refused')) {
      lines.push(
        target.local
          ? `Nothing answered at ${target.url}: start the local stack with \`npm run dev\` in another terminal, or pass --url.`
          : `Nothing answered at ${target.url}: check the URL (the stack's WebhookUrl output).`,
      );
    }
  }
  return lines;
}

export function listTypes(provider: SenderProvider, io: CliIo, colour: Paint): number {
  const names = listFixtures(provider);
  io.stdout.write(
    `${colour.bold(`${provider.displayName} fixtures (${names.length})`)}, one per ${provider.fixtureNoun}:\n`,
  );
  for (const name of names) io.stdout.write(`  ${name}\n`);
  return 0;
}
