/**
 * Whether `send`'s answers are what a healthy receiver gives: each answer on its own, then the
 * copies of one event together (exactly one taken in).
 */
import type { Delivery } from './delivery.js';
import type { FreshEvent } from './providers.js';

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

export interface Outcome {
  readonly delivery: Delivery;
  readonly answers: Answer[];
  judgement: Judgement;
  note?: string;
}

/**
 * Across the copies of one event: exactly one may be accepted (or quarantined), every other copy is
 * a duplicate or was in progress. A copy answered `duplicate` when none was accepted means the id
 * was already known, which a fresh id never is.
 */
export function judgeGroups(outcomes: readonly Outcome[]): void {
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
