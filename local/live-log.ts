/**
 * The local stack's log: one record per thing that happened, printed for people (aligned, coloured
 * on a terminal) or as JSON lines (`--json`, for scripts and tests). It carries what the receiver
 * logs (never a secret, a signature or a payload) and what subscriber functions print.
 */
import { formatDuration, type Paint, pad, truncate } from '../cli/kit/terminal.js';
import { OUTCOME, type Outcome } from '../contract/subscriber.js';

export interface RequestRecord {
  readonly kind: 'request';
  readonly receiver: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly verdict: string;
  readonly eventId?: string;
  readonly eventType?: string;
  /** Why a request was refused or quarantined (`mismatch`, `not_json`…). */
  readonly reason?: string;
  readonly durationMs: number;
  readonly requestId: string;
}

export interface RoutingRecord {
  readonly kind: 'routing';
  readonly eventId?: string;
  readonly eventType: string;
  /** The rules that matched, by construct path. */
  readonly rules: readonly string[];
  /** Published by something other than a request to a local function URL. */
  readonly external: boolean;
}

export interface DeliveryRecord {
  readonly kind: 'delivery';
  readonly rule: string;
  readonly function: string;
  readonly eventId?: string;
  readonly eventType: string;
  readonly requestId: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly outcome: 'ok' | 'failed';
  readonly durationMs: number;
  readonly initMs?: number;
  readonly error?: { readonly type: string; readonly message: string };
  readonly output: readonly string[];
  /**
   * What a subscriber built with `onEvents` (functions/subscriber) did with the event: `ran`,
   * `skipped: duplicate`, `skipped: stale` or `rejected: invalid event`, read from its log line.
   */
  readonly handled?: Outcome;
  /** Why it was rejected, for `rejected: invalid event`. */
  readonly rejectedBecause?: string;
  /** After a failure: when the next attempt comes, or what became of the event. */
  readonly retryInMs?: number;
  readonly awsRetryInMs?: number;
  readonly finalOutcome?: string;
}

export interface QueueRecord {
  readonly kind: 'queue';
  readonly rule: string;
  readonly queue: string;
  readonly eventId?: string;
  readonly eventType: string;
}

export type LiveRecord =
  | RequestRecord
  | RoutingRecord
  | DeliveryRecord
  | QueueRecord
  | { readonly kind: 'progress'; readonly text: string }
  | {
      readonly kind: 'ready';
      readonly lines: readonly string[];
      readonly data: Readonly<Record<string, unknown>>;
    }
  | {
      readonly kind: 'receiver-log';
      readonly receiver: string;
      readonly line: Readonly<Record<string, unknown>>;
    }
  | { readonly kind: 'function-output'; readonly function: string; readonly text: string }
  | { readonly kind: 'note'; readonly text: string }
  | { readonly kind: 'warning'; readonly text: string }
  | { readonly kind: 'stopping' }
  | { readonly kind: 'stopped'; readonly durationMs: number };

export type Reporter = (record: LiveRecord) => void;

const OUTCOMES: ReadonlySet<string> = new Set(Object.values(OUTCOME));

/** The line a subscriber runtime printed about this event, parsed, if there is one. */
function runtimeLine(text: string): { readonly message: Outcome; readonly reason?: unknown } | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const line = JSON.parse(text) as Record<string, unknown>;
    return typeof line.message === 'string' &&
      OUTCOMES.has(line.message) &&
      typeof line.subscription === 'string'
      ? { message: line.message as Outcome, reason: line.reason }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What a subscriber's runtime said it did with the event (`ran`, `skipped: duplicate`…), from the
 * function's output, for the delivery record.
 */
export function subscriberOutcome(
  output: readonly string[],
): Pick<DeliveryRecord, 'handled' | 'rejectedBecause'> {
  for (const text of output) {
    const line = runtimeLine(text);
    if (line === undefined) continue;
    return typeof line.reason === 'string'
      ? { handled: line.message, rejectedBecause: line.reason }
      : { handled: line.message };
  }
  return {};
}

/** JSON lines: each record with the time it was written. */
export function jsonReporter(write: (line: string) => void): Reporter {
  return (record) => {
    const { kind, ...rest } = record;
    const data = record.kind === 'ready' ? record.data : rest;
    write(`${JSON.stringify({ kind, time: new Date().toISOString(), ...data })}\n`);
  };
}

const INDENT = ' '.repeat(14);

function clock(): string {
  const now = new Date();
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}.${String(now.getMilliseconds()).padStart(3, '0')}`;
}

function shortId(id: string | undefined): string {
  if (id === undefined) return '';
  return id.length > 26 ? `${id.slice(0, 12)}…${id.slice(-8)}` : id;
}

/** For people: aligned lines, coloured when `colour` is on. */
export function prettyReporter(write: (line: string) => void, colour: Paint): Reporter {
  const line = (text: string): void => write(`${text}\n`);
  const verdictColour = (status: number, verdict: string): string => {
    const label = pad(`${status} ${verdict}`, 16);
    if (status >= 500) return colour.red(label);
    if (status === 401 || status === 405 || status === 413) return colour.yellow(label);
    if (status === 409) return colour.magenta(label);
    return verdict === 'duplicate' ? colour.cyan(label) : colour.green(label);
  };
  return (record) => {
    switch (record.kind) {
      case 'progress':
        line(colour.dim(`  ${record.text}`));
        break;
      case 'ready':
        for (const text of record.lines) line(text);
        break;
      case 'request': {
        const what = record.eventType ?? (record.reason === undefined ? '' : `(${record.reason})`);
        line(
          `${colour.dim(clock())}  ${verdictColour(record.status, record.verdict)} ${pad(what, 34)} ${colour.dim(pad(shortId(record.eventId), 26))} ${formatDuration(record.durationMs)}${record.eventType !== undefined && record.reason !== undefined ? colour.dim(` (${record.reason})`) : ''}`,
        );
        break;
      }
      case 'routing': {
        const what = colour.dim(`${record.eventType} ${shortId(record.eventId)}`.trim());
        const where =
          record.rules.length === 0
            ? colour.dim('no rule matched')
            : `→ ${record.rules.map((rule) => colour.bold(rule)).join(', ')}`;
        line(
          `${INDENT}${colour.dim('↳')} ${what} ${where}${record.external ? colour.dim(' (published outside the local URL)') : ''}`,
        );
        break;
      }
      case 'queue':
        line(
          `${INDENT}${colour.dim('↳')} ${record.queue} ${colour.dim(`(SQS) received ${record.eventType} ${shortId(record.eventId)}`)}`,
        );
        break;
      case 'delivery': {
        const ok = record.outcome === 'ok';
        const attempt =
          record.maxAttempts > 1 && (record.attempt > 1 || !ok)
            ? ` attempt ${record.attempt}/${record.maxAttempts}`
            : '';
        const handled =
          record.handled === undefined
            ? ''
            : ` ${
                record.handled === OUTCOME.ran
                  ? colour.green(record.handled)
                  : record.handled === OUTCOME.rejected
                    ? colour.red(
                        `${record.handled}${record.rejectedBecause === undefined ? '' : ` (${truncate(record.rejectedBecause, 120)})`}`,
                      )
                    : colour.cyan(record.handled)
              }`;
        const head = `${INDENT}${colour.dim('↳')} ${colour.bold(record.function)} ${ok ? colour.green('✓') : colour.red('✗')}${handled} ${formatDuration(record.durationMs)}${record.initMs === undefined ? '' : colour.dim(` (cold start ${formatDuration(record.initMs)})`)}${attempt}  ${colour.dim(`${record.eventType} ${shortId(record.eventId)}`)}`;
        line(head);
        // The runtime's own line is the word after the tick; the rest is the function's.
        const output =
          record.handled === undefined
            ? record.output
            : record.output.filter((text) => runtimeLine(text) === undefined);
        for (const text of output.slice(0, 20))
          line(`${INDENT}    ${colour.dim('│')} ${truncate(text, 200)}`);
        if (output.length > 20) line(`${INDENT}    ${colour.dim(`│ … ${output.length - 20} more lines`)}`);
        if (record.error !== undefined)
          line(`${INDENT}    ${colour.red(`${record.error.type}: ${truncate(record.error.message, 300)}`)}`);
        if (record.retryInMs !== undefined) {
          line(
            `${INDENT}    ${colour.yellow(`↻ Lambda retries in ${formatDuration(record.retryInMs)}${record.awsRetryInMs !== undefined && record.awsRetryInMs !== record.retryInMs ? ` (${formatDuration(record.awsRetryInMs)} in AWS)` : ''}`)}`,
          );
        }
        if (record.finalOutcome !== undefined) line(`${INDENT}    ${colour.red(record.finalOutcome)}`);
        break;
      }
      case 'receiver-log': {
        const { level, message, ...fields } = record.line;
        const text = `${record.receiver}: ${String(level ?? 'info')} ${String(message ?? '')} ${JSON.stringify(fields)}`;
        line(`${INDENT}${level === 'error' ? colour.red(text) : colour.yellow(text)}`);
        break;
      }
      case 'function-output':
        line(`${INDENT}${colour.dim(`${record.function} │ ${truncate(record.text, 200)}`)}`);
        break;
      case 'note':
        line(colour.dim(`  ${record.text}`));
        break;
      case 'warning':
        line(colour.yellow(`  ! ${record.text}`));
        break;
      case 'stopping':
        line(colour.dim('\nStopping…'));
        break;
      case 'stopped':
        line(colour.dim(`Stopped everything in ${formatDuration(record.durationMs)}.`));
        break;
    }
  };
}
