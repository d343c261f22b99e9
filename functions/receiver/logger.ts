/** Fields of a log line. Never a secret, a signature or a payload. */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** One JSON object per line on stdout, which Lambda sends to CloudWatch Logs as is. */
export function jsonLogger(write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const emit = (level: string, message: string, fields?: LogFields): void => {
    write(`${JSON.stringify({ level, message, ...fields, time: new Date().toISOString() })}\n`);
  };
  return {
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
  };
}

/** Describes an error for the log: its name, code and message, and the same for its cause chain. */
export function describeError(error: unknown): LogFields {
  const fields: Record<string, string> = {};
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 3; depth++) {
    const prefix = depth === 0 ? 'error' : `cause${depth}`;
    fields[`${prefix}Name`] = current.name;
    fields[`${prefix}Message`] = current.message;
    current = current.cause;
  }
  if (!(error instanceof Error)) fields.errorMessage = String(error);
  return fields;
}
