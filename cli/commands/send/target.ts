/** Where `send` sends, and with which secret. */
import { DEFAULT_PORT, DEFAULT_STATE_DIR, readLocalSecret, readStackState } from '../../../local/state.js';
import type { CliIo } from '../../kit/io.js';
import { UsageError } from '../../kit/usage-error.js';
import type { SendOptions } from './options.js';

export interface Target {
  readonly url: string;
  readonly secret: string;
  readonly local: boolean;
}

/** Where to send and with which secret: flags first, then WEBHOOK_SECRET, then the running local stack. */
export function resolveTarget(options: SendOptions, env: CliIo['env']): Target {
  const state = readStackState(DEFAULT_STATE_DIR);
  const receiver = state?.receivers.find((r) => r.provider === options.provider.name);
  if (options.url === undefined && state !== undefined && receiver === undefined) {
    throw new UsageError(
      `The local stack serves no ${options.provider.displayName} receiver (it serves ${state.receivers.map((r) => r.provider).join(', ')}). Start it with the receiver deployed (e.g. \`npm run dev -- --context ${options.provider.name}=true\`), or pass --url.`,
      'send',
    );
  }
  const local = options.url === undefined;
  const url = options.url ?? receiver?.url ?? `http://127.0.0.1:${DEFAULT_PORT}/`;
  const secret =
    options.secret ??
    nonEmpty(env.WEBHOOK_SECRET) ??
    (local ? readLocalSecret(DEFAULT_STATE_DIR) : undefined);
  if (secret === undefined) {
    throw new UsageError(
      local
        ? 'There is no local webhook secret yet: start the local stack once with `npm run dev` (it creates one), or pass --secret.'
        : `Sending to ${url} needs its webhook secret: pass --secret "$SECRET" or set WEBHOOK_SECRET (the value in the stack's WebhookSecretArn secret).`,
      'send',
    );
  }
  return { url, secret, local };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
