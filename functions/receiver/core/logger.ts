/** Fields of a log line. Never a secret, a signature or a payload. */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/**
 * Structured members written into the line as they are, after the fields: the embedded metric
 * format's `_aws` block and its values (`metrics.ts`).
 */
export type EmbeddedMembers = Readonly<Record<string, unknown>>;

export interface Logger {
  info(message: string, fields?: LogFields, embedded?: EmbeddedMembers): void;
  warn(message: string, fields?: LogFields, embedded?: EmbeddedMembers): void;
  error(message: string, fields?: LogFields, embedded?: EmbeddedMembers): void;
}

/** Members every line has, which no field may replace: a line's level is what alarms filter on. */
const RESERVED: ReadonlySet<string> = new Set(['level', 'message', 'time']);

/**
 * One JSON object per line on stdout, which Lambda sends to CloudWatch Logs as is. `level`,
 * `message` and `time` are the logger's own: a field of that name is left out, never written over them.
 */
export function jsonLogger(write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const emit = (level: string, message: string, fields?: LogFields, embedded?: EmbeddedMembers): void => {
    const line: Record<string, unknown> = { level, message };
    for (const members of [fields, embedded]) {
      for (const [name, value] of Object.entries(members ?? {})) {
        if (!RESERVED.has(name)) line[name] = value;
      }
    }
    line.time = new Date().toISOString();
    write(`${JSON.stringify(line)}\n`);
  };
  return {
    info: (message, fields, embedded) => emit('info', message, fields, embedded),
    warn: (message, fields, embedded) => emit('warn', message, fields, embedded),
    error: (message, fields, embedded) => emit('error', message, fields, embedded),
  };
}

/** Describes an error for the log: its name, code and message, and the same for its cause chain. */
export function describeError(error: unknown): LogFields {
  const fields: Record<string, string> = {};
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 3; depth++) {
    const prefix = depth === 0 ? 'error' : `cause${depth}`;
    fields[`${prefix}Name`] = current.name;
    const status = awsStatus(current);
    if (status === undefined) {
      fields[`${prefix}Message`] = current.message;
    } else {
      // An AWS service's own message can quote what we sent it (a validation error on an entry
      // quotes the entry), and what we send carries client data: the status says enough.
      fields[`${prefix}Status`] = status;
    }
    current = current.cause;
  }
  if (!(error instanceof Error)) fields.errorMessage = String(error);
  return fields;
}

/** The HTTP status of an error an AWS service answered with, or `undefined` for any other error. */
function awsStatus(error: Error): string | undefined {
  const { $metadata } = error as { $metadata?: { httpStatusCode?: unknown } };
  return typeof $metadata?.httpStatusCode === 'number' ? String($metadata.httpStatusCode) : undefined;
}
