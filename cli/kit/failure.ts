/**
 * A command's failure: something could not be done, and the message says what to do next. The CLI
 * prints it with its causes and exits 1 (bad arguments are a `UsageError` instead, exit 2).
 */
export class OpsError extends Error {
  override readonly name = 'OpsError';
}

/** `error: …` and a `caused by: …` line per cause. */
export function describeFailure(error: Error): string {
  const lines = [`error: ${error.message}`];
  for (
    let cause = error.cause, depth = 0;
    cause instanceof Error && depth < 4;
    cause = cause.cause, depth++
  ) {
    lines.push(`  caused by: ${cause.name === 'Error' ? '' : `${cause.name}: `}${cause.message}`);
  }
  return lines.join('\n');
}
