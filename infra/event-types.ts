/**
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
