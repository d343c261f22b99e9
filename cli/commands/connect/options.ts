/**
 * The arguments `connect`, `status` and `disconnect` share: where the receiver is (the local stack,
 * `--stack <name>`, or `--url` with `--secret-id`), where the API key is, and how to print.
 */
import { parseCommandArgs, regionOption } from '../../kit/args.js';
import { UsageError } from '../../kit/usage-error.js';

export type ConnectCommand = 'connect' | 'status' | 'disconnect';

export interface ConnectCliOptions {
  readonly command: ConnectCommand;
  /** A deployed stack whose outputs name the receiver. */
  readonly stack: string | undefined;
  /** The receiver's URL, explicitly. */
  readonly url: string | undefined;
  /** The receiver's webhook secret (name or ARN), explicitly. */
  readonly secretId: string | undefined;
  /** The event types to register (`*` for all); overrides the stack's list. */
  readonly events: readonly string[] | undefined;
  /** The secret holding the API key; else COMPLYCUBE_API_KEY, else the stack's output. */
  readonly apiKeySecretId: string | undefined;
  /** disconnect: the webhook to delete. */
  readonly webhookId: string | undefined;
  readonly region: string | undefined;
  readonly json: boolean;
}

const OPTIONS = {
  stack: { type: 'string' },
  url: { type: 'string' },
  'secret-id': { type: 'string' },
  events: { type: 'string' },
  'api-key-secret-id': { type: 'string' },
  'api-key': { type: 'string' },
  'webhook-id': { type: 'string' },
  region: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const EVENT = /^([A-Za-z0-9_.-]+|\*)$/;

/**
 * @example
 * parseConnectArgs('connect', ['--stack', 'ComplyCubeWebhooks']);
 */
export function parseConnectArgs(
  command: ConnectCommand,
  argv: readonly string[],
): ConnectCliOptions | 'help' {
  const values = parseCommandArgs(
    argv,
    OPTIONS,
    command,
    '; the receiver is named by --stack, or --url with --secret-id',
  );
  if (values === 'help') return 'help';
  if (values['api-key'] !== undefined) {
    // Refused even when it would work: argv is visible to every process on the machine and lands in shell history.
    throw new UsageError(
      'The API key is never taken as an argument (other processes and your shell history would see it). Set COMPLYCUBE_API_KEY, or name the secret that holds it with --api-key-secret-id.',
      command,
    );
  }
  const stack = values.stack;
  const url = values.url;
  const secretId = values['secret-id'];
  if (stack !== undefined && (url !== undefined || secretId !== undefined)) {
    throw new UsageError(
      '--stack reads the URL and the secret from the stack: drop --url/--secret-id, or drop --stack.',
      command,
    );
  }
  if ((url === undefined) !== (secretId === undefined) && command !== 'disconnect') {
    throw new UsageError(
      url === undefined
        ? '--secret-id needs --url <function url> too (the receiver the secret belongs to).'
        : '--url needs --secret-id <webhook secret name or ARN> too: connect writes the secret ComplyCube issues into it.',
      command,
    );
  }
  if (url !== undefined) {
    try {
      new URL(url);
    } catch {
      throw new UsageError(
        `--url '${url}' is not a URL; pass the receiver's function URL (the WebhookUrl output).`,
        command,
      );
    }
  }
  let events: string[] | undefined;
  if (values.events !== undefined) {
    events = values.events
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    const bad = events.find((e) => !EVENT.test(e));
    if (events.length === 0 || bad !== undefined) {
      throw new UsageError(
        `--events takes event types separated by commas, or '*' for every type (got '${values.events}'), e.g. --events check.completed,client.created.`,
        command,
      );
    }
  }
  return {
    command,
    stack,
    url,
    secretId,
    events,
    apiKeySecretId: values['api-key-secret-id'],
    webhookId: values['webhook-id'],
    region: regionOption(values.region, command),
    json: values.json === true,
  };
}
