/**
 * What a command runs with: the real process's streams and environment, or a test's.
 */

/** The streams and environment a command runs with (the real process, or a test's). */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C: stop sending, report what was sent. */
  readonly interrupt?: AbortSignal;
}

export interface OutputStream {
  write(text: string): boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
}
