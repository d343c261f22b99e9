/**
 * What happened to a request, in one word: the log's `verdict`, the answer's `status` and the
 * `Verdict` metric dimension. In the order a dashboard stacks them.
 */
export const VERDICTS = [
  'accepted',
  'duplicate',
  'in_progress',
  'quarantined',
  'forged',
  'too_large',
  'method_not_allowed',
  'failed',
] as const;

export type Verdict = (typeof VERDICTS)[number];
