/**
 * Bad command-line input. The message says what is wrong and what to type instead; the CLI prints
 * it with a pointer to `--help` and exits with code 2, without doing anything.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';

  constructor(
    message: string,
    /** The command whose `--help` to point at, e.g. `send`. */
    readonly command?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Levenshtein distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0] ?? 0;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      previous[j] = Math.min(above + 1, (previous[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidates closest to `input` (at most `limit`), closest first; none when nothing is close.
 *
 * @example
 * closest('check.complete.clear', types); // ['check.completed.clear']
 */
export function closest(input: string, candidates: readonly string[], limit = 3): string[] {
  const lowered = input.toLowerCase();
  const threshold = Math.max(2, Math.floor(lowered.length / 3));
  return candidates
    .map((candidate) => {
      const lower = candidate.toLowerCase();
      const score = lower.includes(lowered) || lowered.includes(lower) ? 1 : distance(lowered, lower);
      return { candidate, score };
    })
    .filter(({ score }) => score <= threshold)
    .sort((a, b) => a.score - b.score || a.candidate.localeCompare(b.candidate))
    .slice(0, limit)
    .map(({ candidate }) => candidate);
}

/** `Did you mean X?` / `Did you mean X or Y?`, or an empty string. */
export function didYouMean(suggestions: readonly string[]): string {
  if (suggestions.length === 0) return '';
  const quoted = suggestions.map((s) => `'${s}'`);
  const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
  return ` Did you mean ${list}?`;
}

/** Turns a `parseArgs` error into a UsageError a person can act on. */
export function explainParseError(
  error: unknown,
  optionNames: readonly string[],
  command: string,
): UsageError {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(message)?.[1] ?? '';
    const bare = option.replace(/=.*$/, '');
    return new UsageError(`Unknown option ${bare}.${didYouMean(closest(bare, optionNames))}`, command, {
      cause: error,
    });
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /Option '(?:-\w, )?(--[\w-]+)/.exec(message)?.[1];
    return new UsageError(
      option === undefined
        ? `${message}.`
        : `${option} needs a value, e.g. ${option} <value> (or ${option}=<value>).`,
      command,
      { cause: error },
    );
  }
  return new UsageError(message, command, { cause: error });
}
