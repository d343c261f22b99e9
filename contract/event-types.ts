/**
 * The event-type catalogue and subscription patterns, shared by the construct (rules, the portal
 * checklist, warnings), the receiver (the `EventType` metric dimension) and the tools.
 *
 * A catalogue lists the types a provider documents today. Types outside it still flow through the
 * receiver; the catalogue only serves subscriptions, metrics and fixtures.
 */

/** Every event type ComplyCube documents. Older docs spell `check.complete*` without the d. */
export const COMPLYCUBE_EVENT_TYPES = [
  'workflow.session.started',
  'workflow.session.cancelled',
  'workflow.session.processing',
  'workflow.session.completed',
  'workflow.session.updated',
  'check.pending',
  'check.completed',
  'check.completed.clear',
  'check.completed.attention',
  'check.completed.rejected',
  'check.completed.match_confirmed',
  'check.monitoring.attention',
  'check.failed',
  'check.updated',
  'client.created',
  'client.updated',
  'client.deleted',
  'document.created',
  'document.updated',
  'document.updated.image_uploaded',
  'document.updated.image_deleted',
  'document.deleted',
  'address.created',
  'address.updated',
  'address.deleted',
] as const;

export type ComplyCubeEventType = (typeof COMPLYCUBE_EVENT_TYPES)[number];

/** Every derived Compliancely event type starts with this; subscribe to families with it. */
export const COMPLIANCELY_TYPE_PREFIX = 'tin_check.';

/**
 * The event types the receiver derives from the statuses Compliancely documents (`Pending`,
 * `TIN Matched`, `Did Not Match`, `In Review`), in that order. Other statuses flow through under
 * their own slug (docs/compliancely.md).
 */
export const COMPLIANCELY_EVENT_TYPES = [
  'tin_check.pending',
  'tin_check.tin_matched',
  'tin_check.did_not_match',
  'tin_check.in_review',
] as const;

export type CompliancelyEventType = (typeof COMPLIANCELY_EVENT_TYPES)[number];

/*
 * Subscription patterns: an exact event type (`check.completed.clear`), a family ending in `*`
 * (`check.completed*` is every type that starts with `check.completed`), or `*` for every event of
 * the provider.
 */

const PATTERN = /^[A-Za-z0-9_.-]+\*?$/;

export interface ParsedPatterns {
  /** Exact types to match. */
  readonly exact: readonly string[];
  /** Prefixes to match (a family without its `*`). */
  readonly prefixes: readonly string[];
  /** True when `*` was given: every event of the provider. */
  readonly all: boolean;
}

/** Splits patterns into exact types and prefixes, or throws a message that says what to write instead. */
export function parsePatterns(patterns: readonly string[]): ParsedPatterns {
  if (patterns.length === 0) {
    throw new Error(
      "subscribe() needs at least one event type, e.g. 'check.completed' or 'check.completed*'.",
    );
  }
  const exact = new Set<string>();
  const prefixes = new Set<string>();
  let all = false;
  for (const pattern of patterns) {
    if (pattern === '*') {
      all = true;
    } else if (!PATTERN.test(pattern)) {
      throw new Error(
        `Invalid event type pattern ${JSON.stringify(pattern)}: use an exact type such as 'check.completed.clear', ` +
          `a family with one trailing '*' such as 'check.completed*', or '*' for every event.`,
      );
    } else if (pattern.endsWith('*')) {
      prefixes.add(pattern.slice(0, -1));
    } else {
      exact.add(pattern);
    }
  }
  return { exact: [...exact].sort(), prefixes: [...prefixes].sort(), all };
}

/** Whether a concrete type is matched by a pattern. */
export function matchesPattern(type: string, pattern: string): boolean {
  if (pattern === '*') return true;
  return pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern;
}

/** The catalogue types a set of patterns selects, in catalogue order. */
export function expandPatterns(patterns: readonly string[], catalogue: readonly string[]): string[] {
  return catalogue.filter((type) => patterns.some((pattern) => matchesPattern(type, pattern)));
}
