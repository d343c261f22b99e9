/**
 * `complycube-webhooks send`: signs fixtures the way the provider does and posts them to a receiver,
 * then says whether every answer was what a healthy receiver gives.
 */
import { randomInt } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { DEFAULT_PORT, DEFAULT_STATE_DIR, readLocalSecret, readStackState } from '../../local/state.js';
import type { CliIo } from '../kit/io.js';
import { ProgressBar } from '../kit/progress-bar.js';
import { colorsWanted, formatDuration, type Paint, pad, paint, truncate } from '../kit/terminal.js';
import { UsageError } from '../kit/usage-error.js';
import type { SendOptions } from './send/options.js';
import {
  type FreshEvent,
  listFixtures,
  loadFixture,
  retryDelaysMs,
  type SenderProvider,
} from './send/providers.js';

/** One request to make: a copy of an event, maybe tampered with. */
interface Delivery {
  readonly event: FreshEvent;
  /** 1-based copy number; copies share the id and the body, as a provider's redelivery does. */
  readonly copy: number;
  readonly copies: number;
  readonly tampered: boolean;
  readonly body: Buffer;
  readonly signature: string;
}

/** One answer (or failure to get one). */
export interface Answer {
  readonly status: number | undefined;
  /** The body's `status` field when it has one (`accepted`, `duplicate`, …). */
  readonly verdict: string | undefined;
  readonly body: string;
  readonly latencyMs: number;
  /** Why there is no status: refused connection, timeout… */
  readonly error?: string;
}

/** How an answer looks next to what a healthy receiver gives. */
export type Judgement = 'expected' | 'unexpected' | 'retryable';

/**
 * Judges one answer on its own. A tampered request must be refused with 401; any other request must
 * be taken in (2xx), except that a 409 `in_progress` is what a healthy receiver answers while
 * another copy of the same event is being processed. Failures a retry can fix are `retryable`.
 *
 * @example
 * judgeAnswer({ status: 401, … }, { tampered: true, copies: 1 }); // 'expected'
 */
export function judgeAnswer(answer: Answer, request: { tampered: boolean; copies: number }): Judgement {
  const { status } = answer;
  if (request.tampered) return status === 401 ? 'expected' : 'unexpected';
  if (status === undefined || status >= 500) return 'retryable';
  if (status === 409) return request.copies > 1 ? 'expected' : 'retryable';
  if (status >= 200 && status < 300) return 'expected';
  return status === 429 ? 'retryable' : 'unexpected';
}

interface Outcome {
  readonly delivery: Delivery;
  readonly answers: Answer[];
  judgement: Judgement;
  note?: string;
}

/** Runs `send` and returns the exit code: 0 when every answer was healthy, 1 otherwise, 130 when interrupted. */
export async function runSend(options: SendOptions, io: CliIo): Promise<number> {
  const colour = paint(!options.json && colorsWanted(io.stdout, io.env));
  if (options.list) return listTypes(options.provider, io, colour);

  const target = resolveTarget(options, io.env);
  const deliveries = plan(options, target.secret);
  const out = (line: string): void => {
    io.stdout.write(`${line}\n`);
  };
  const bar =
    !options.json && io.stderr.isTTY === true && deliveries.length >= 10
      ? new ProgressBar(io.stderr, deliveries.length, out)
      : undefined;
  const print = (line: string): void => (bar === undefined ? out(line) : bar.log(line));
  const emit = (record: Record<string, unknown>): void => out(JSON.stringify(record));

  if (!options.json) {
    out(
      colour.dim(
        `Sending ${describePlan(options, deliveries)} to ${target.url}${target.local ? ' (the local stack)' : ''}`,
      ),
    );
  }

  const delays = options.retry
    ? retryDelaysMs(options.provider.retryDelaysSeconds, options.timeScale, options.retries)
    : [];
  const outcomes: Outcome[] = [];
  const state = { completed: 0, inFlight: 0, waiting: 0 };
  const started = performance.now();
  let next = 0;
  const aborted = (): boolean => io.interrupt?.aborted === true;

  const worker = async (): Promise<void> => {
    while (next < deliveries.length && !aborted()) {
      const delivery = deliveries[next++];
      if (delivery === undefined) break;
      const outcome: Outcome = { delivery, answers: [], judgement: 'unexpected' };
      outcomes.push(outcome);
      for (let attempt = 0; ; attempt++) {
        state.inFlight++;
        bar?.update(state);
        const answer = await post(target.url, options, delivery, io.interrupt);
        state.inFlight--;
        outcome.answers.push(answer);
        outcome.judgement = judgeAnswer(answer, delivery);
        const wait = outcome.judgement === 'retryable' ? delays[attempt] : undefined;
        if (options.json) {
          emit(answerRecord(delivery, answer, attempt, outcome.judgement, wait));
        } else {
          print(answerLine(colour, delivery, answer, attempt, outcome.judgement, wait, options));
        }
        if (wait === undefined || aborted()) break;
        state.waiting++;
        bar?.update(state);
        const waited = await delay(wait, undefined, { signal: io.interrupt }).then(
          () => true,
          () => false,
        );
        state.waiting--;
        if (!waited) break;
      }
      if (outcome.judgement === 'retryable') outcome.judgement = 'unexpected';
      state.completed++;
      bar?.update(state);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, deliveries.length) }, worker));
  bar?.done();

  judgeGroups(outcomes);
  const interrupted = io.interrupt?.aborted === true;
  const elapsedMs = performance.now() - started;
  if (options.json) {
    emit(summaryRecord(outcomes, deliveries.length, elapsedMs, interrupted));
  } else {
    for (const line of summaryLines(colour, outcomes, deliveries.length, elapsedMs, interrupted, target))
      out(line);
  }
  if (interrupted) return 130;
  return outcomes.every((o) => o.judgement === 'expected') ? 0 : 1;
}

interface Target {
  readonly url: string;
  readonly secret: string;
  readonly local: boolean;
}

/** Where to send and with which secret: flags first, then WEBHOOK_SECRET, then the running local stack. */
function resolveTarget(options: SendOptions, env: CliIo['env']): Target {
  const state = readStackState(DEFAULT_STATE_DIR);
  const receiver = state?.receivers.find((r) => r.provider === options.provider.name);
  if (options.url === undefined && state !== undefined && receiver === undefined) {
    throw new UsageError(
      `The local stack serves no ${options.provider.displayName} receiver (it serves ${state.receivers.map((r) => r.provider).join(', ')}). Start it with the receiver deployed (e.g. \`npm run dev -- --context ${options.provider.name}=true\`), or pass --url.`,
      'send',
    );
  }
  const local = options.url === undefined;
  const url = options.url ?? receiver?.url ?? `http://127.0.0.1:${DEFAULT_PORT}/`;
  const secret =
    options.secret ??
    nonEmpty(env.WEBHOOK_SECRET) ??
    (local ? readLocalSecret(DEFAULT_STATE_DIR) : undefined);
  if (secret === undefined) {
    throw new UsageError(
      local
        ? 'There is no local webhook secret yet: start the local stack once with `npm run dev` (it creates one), or pass --secret.'
        : `Sending to ${url} needs its webhook secret: pass --secret "$SECRET" or set WEBHOOK_SECRET (the value in the stack's WebhookSecretArn secret).`,
      'send',
    );
  }
  return { url, secret, local };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function plan(options: SendOptions, secret: string): Delivery[] {
  const { provider } = options;
  const copies = options.duplicate ? 2 : 1;
  const deliveries: Delivery[] = [];
  for (let round = 0; round < options.repeat; round++) {
    for (const name of options.fixtures) {
      const event = provider.fresh(loadFixture(provider, name), name, new Date());
      const signed = Buffer.from(event.body, 'utf8');
      const signature = provider.sign(signed, secret);
      // Tampering changes the body after it was signed, as a party in the middle would.
      const body = options.tamper ? tamper(event.body) : signed;
      for (let copy = 1; copy <= copies; copy++) {
        deliveries.push({ event, copy, copies, tampered: options.tamper, body, signature });
      }
    }
  }
  if (options.shuffle) {
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [deliveries[i], deliveries[j]] = [deliveries[j] as Delivery, deliveries[i] as Delivery];
    }
  }
  return deliveries;
}

function tamper(body: string): Buffer {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  return Buffer.from(JSON.stringify({ ...parsed, tampered: true }), 'utf8');
}

async function post(
  url: string,
  options: SendOptions,
  delivery: Delivery,
  interrupt?: AbortSignal,
): Promise<Answer> {
  const { provider } = options;
  const started = performance.now();
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(interrupt === undefined ? [] : [interrupt])];
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': provider.userAgent,
        [provider.signatureHeader]: delivery.signature,
      },
      body: delivery.body,
      signal: AbortSignal.any(signals),
    });
    const body = await response.text();
    return {
      status: response.status,
      verdict: verdictOf(body),
      body,
      latencyMs: performance.now() - started,
    };
  } catch (error) {
    return {
      status: undefined,
      verdict: undefined,
      body: '',
      latencyMs: performance.now() - started,
      error: describeFetchError(error, options),
    };
  }
}

function verdictOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'status' in parsed) {
      const status = (parsed as { status: unknown }).status;
      return typeof status === 'string' ? status : undefined;
    }
  } catch {
    // Not JSON: no verdict.
  }
  return undefined;
}

function describeFetchError(error: unknown, options: SendOptions): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return `no answer within ${formatDuration(options.timeoutMs)}`;
  }
  if (error instanceof DOMException && error.name === 'AbortError') return 'interrupted';
  const cause = error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code === 'ENOTFOUND') return `host not found (${cause.message})`;
  const message = cause?.message ?? (error instanceof Error ? error.message : String(error));
  return message;
}

/**
 * Across the copies of one event: exactly one may be accepted (or quarantined), every other copy is
 * a duplicate or was in progress. A copy answered `duplicate` when none was accepted means the id
 * was already known, which a fresh id never is.
 */
function judgeGroups(outcomes: readonly Outcome[]): void {
  const groups = new Map<FreshEvent, Outcome[]>();
  for (const outcome of outcomes) {
    if (outcome.delivery.tampered) continue;
    const group = groups.get(outcome.delivery.event) ?? [];
    group.push(outcome);
    groups.set(outcome.delivery.event, group);
  }
  for (const group of groups.values()) {
    const finals = group.map((o) => o.answers.at(-1));
    const taken = finals.filter((a) => a?.verdict === 'accepted' || a?.verdict === 'quarantined').length;
    if (taken > 1) {
      for (const o of group) {
        o.judgement = 'unexpected';
        o.note = `taken in ${taken} times: the receiver published one event more than once`;
      }
    } else if (taken === 0 && group.every((o) => o.judgement === 'expected')) {
      for (const o of group) {
        o.judgement = 'unexpected';
        o.note = 'no copy was accepted: a new event came back as already known';
      }
    }
  }
}

function describePlan(options: SendOptions, deliveries: readonly Delivery[]): string {
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

function answerLine(
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

function answerRecord(
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

function summaryRecord(
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

function summaryLines(
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

function listTypes(provider: SenderProvider, io: CliIo, colour: Paint): number {
  const names = listFixtures(provider);
  io.stdout.write(
    `${colour.bold(`${provider.displayName} fixtures (${names.length})`)}, one per ${provider.fixtureNoun}:\n`,
  );
  for (const name of names) io.stdout.write(`  ${name}\n`);
  return 0;
}
