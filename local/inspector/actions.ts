/**
 * What the inspector's buttons do: sign a fixture and post it to a local receiver (once, tampered
 * or twice), or post a delivery again, byte for byte. Everything goes through the local function
 * URL over HTTP, exactly as `npx complycube-webhooks send` does, so the page shows what a provider
 * would cause.
 */
import { listFixtures, loadFixture, SENDER_PROVIDERS } from '../../cli/commands/send/providers.js';
import type { DeliveryStore } from './delivery-store.js';

export const SEND_MODES = ['once', 'tampered', 'twice'] as const;
export type SendMode = (typeof SEND_MODES)[number];

/** What one post got. */
export interface Sent {
  /** The function URL's request id (the delivery's id in the store); absent when nothing answered. */
  readonly requestId?: string;
  readonly status?: number;
  readonly verdict?: string;
  readonly error?: string;
}

/** A request the inspector cannot act on: the message is safe to show, and says what to do. */
export class ActionError extends Error {
  override readonly name = 'ActionError';

  constructor(
    message: string,
    readonly statusCode: 400 | 404 | 409,
  ) {
    super(message);
  }
}

export interface InspectorActionsOptions {
  /** The local receivers, by provider. */
  readonly receivers: readonly { readonly provider: string; readonly url: string }[];
  /** The local webhook secret the receivers verify with. */
  readonly secret: string;
  readonly store: DeliveryStore;
  /** @default 20_000 (longer than a provider waits, so a slow first request still gets its answer) */
  readonly timeoutMs?: number;
}

/**
 * The inspector's actions against the local receivers.
 *
 * @example
 * const actions = new InspectorActions({ receivers, secret, store });
 * await actions.send('complycube', 'check.completed.clear', 'twice'); // [{ status: 200, verdict: 'accepted' }, { status: 200, verdict: 'duplicate' }]
 */
export class InspectorActions {
  constructor(private readonly options: InspectorActionsOptions) {}

  /** The fixtures the page can send, per served provider. */
  catalogue(): Record<string, string[]> {
    const catalogue: Record<string, string[]> = {};
    for (const { provider } of this.options.receivers) {
      const sender = SENDER_PROVIDERS[provider];
      if (sender !== undefined) catalogue[provider] = listFixtures(sender);
    }
    return catalogue;
  }

  /** Signs a fresh copy of a fixture and posts it: once, tampered after signing, or twice with the same id. */
  async send(provider: string, fixture: string, mode: SendMode): Promise<Sent[]> {
    const url = this.receiverUrl(provider);
    const sender = SENDER_PROVIDERS[provider];
    if (sender === undefined) throw new ActionError(`There is no sender for provider '${provider}'.`, 400);
    if (!listFixtures(sender).includes(fixture)) {
      throw new ActionError(
        `'${fixture}' is not a ${sender.displayName} fixture; pick one from the list (fixtures/${provider}/).`,
        400,
      );
    }
    const event = sender.fresh(loadFixture(sender, fixture), fixture, new Date());
    const signed = Buffer.from(event.body, 'utf8');
    const signature = sender.sign(signed, this.options.secret);
    // Tampering changes the body after it was signed, as a party in the middle would.
    const body = mode === 'tampered' ? tamper(event.body) : signed;
    const headers = {
      'content-type': 'application/json',
      'user-agent': `${sender.userAgent} (inspector)`,
      [sender.signatureHeader]: signature,
    };
    const first = await this.post(url, headers, body);
    if (mode !== 'twice') return [first];
    return [first, await this.post(url, headers, body)];
  }

  /** Posts a delivery's body and headers again, unchanged (a provider's redelivery). */
  async resend(id: string): Promise<Sent> {
    const original = this.options.store.original(id);
    if (original === undefined) {
      throw new ActionError(
        `No delivery '${id}' to resend: it was published by something other than a local request, or is too old to keep.`,
        404,
      );
    }
    if (original.method !== 'POST') {
      throw new ActionError(`Only a POST can be resent (this was a ${original.method}).`, 409);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(original.headers)) {
      if (name === 'content-type' || name === 'user-agent' || /signature/i.test(name)) headers[name] = value;
    }
    return this.post(original.url, headers, original.body);
  }

  private receiverUrl(provider: string): string {
    const receiver = this.options.receivers.find((r) => r.provider === provider);
    if (receiver === undefined) {
      throw new ActionError(
        `The local stack serves no '${provider}' receiver (it serves ${this.options.receivers.map((r) => r.provider).join(', ')}).`,
        400,
      );
    }
    return receiver.url;
  }

  private async post(url: string, headers: Record<string, string>, body: Buffer): Promise<Sent> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 20_000),
      });
      const text = await response.text();
      const requestId = response.headers.get('x-amzn-requestid') ?? undefined;
      const verdict = verdictOf(text);
      return {
        status: response.status,
        ...(requestId === undefined ? {} : { requestId }),
        ...(verdict === undefined ? {} : { verdict }),
      };
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
      return { error: cause ?? (error instanceof Error ? error.message : String(error)) };
    }
  }
}

/** Whether `value` names a send mode. */
export function isSendMode(value: unknown): value is SendMode {
  return typeof value === 'string' && (SEND_MODES as readonly string[]).includes(value);
}

function tamper(body: string): Buffer {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  return Buffer.from(JSON.stringify({ ...parsed, tampered: true }), 'utf8');
}

function verdictOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    const status = (parsed as { status?: unknown } | null)?.status;
    return typeof status === 'string' ? status : undefined;
  } catch {
    return undefined;
  }
}
