/**
 * `send`'s requests: the deliveries planned from the fixtures (fresh ids, copies, tampering,
 * order), and posting one signed the way the provider signs.
 */
import { randomInt } from 'node:crypto';
import { formatDuration } from '../../kit/terminal.js';
import type { Answer } from './judge.js';
import type { SendOptions } from './options.js';
import { type FreshEvent, loadFixture } from './providers.js';

/** One request to make: a copy of an event, maybe tampered with. */
export interface Delivery {
  readonly event: FreshEvent;
  /** 1-based copy number; copies share the id and the body, as a provider's redelivery does. */
  readonly copy: number;
  readonly copies: number;
  readonly tampered: boolean;
  readonly body: Buffer;
  readonly signature: string;
}

export function planDeliveries(options: SendOptions, secret: string): Delivery[] {
  const { provider } = options;
  const copies = options.duplicate ? 2 : 1;
  const deliveries: Delivery[] = [];
  for (let round = 0; round < options.repeat; round++) {
    for (const name of options.fixtures) {
      const event = provider.fresh(loadFixture(provider, name), name, options.at ?? new Date());
      const signed = Buffer.from(event.body, 'utf8');
      const signature = provider.sign(signed, secret);
      // Tampering changes the body after it was signed, as a party in the middle would.
      const body = options.tamper ? tamper(event.body) : signed;
      for (let copy = 1; copy <= copies; copy++) {
        deliveries.push({ event, copy, copies, tampered: options.tamper, body, signature });
      }
    }
  }
  if (options.shuffle) {
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [deliveries[i], deliveries[j]] = [deliveries[j] as Delivery, deliveries[i] as Delivery];
    }
  }
  return deliveries;
}

function tamper(body: string): Buffer {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  return Buffer.from(JSON.stringify({ ...parsed, tampered: true }), 'utf8');
}

export async function post(
  url: string,
  options: SendOptions,
  delivery: Delivery,
  interrupt?: AbortSignal,
): Promise<Answer> {
  const { provider } = options;
  const started = performance.now();
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(interrupt === undefined ? [] : [interrupt])];
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': provider.userAgent,
        [provider.signatureHeader]: delivery.signature,
      },
      body: delivery.body,
      signal: AbortSignal.any(signals),
    });
    const body = await response.text();
    return {
      status: response.status,
      verdict: verdictOf(body),
      body,
      latencyMs: performance.now() - started,
    };
  } catch (error) {
    return {
      status: undefined,
      verdict: undefined,
      body: '',
      latencyMs: performance.now() - started,
      error: describeFetchError(error, options),
    };
  }
}

function verdictOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'status' in parsed) {
      const status = (parsed as { status: unknown }).status;
      return typeof status === 'string' ? status : undefined;
    }
  } catch {
    // Not JSON: no verdict.
  }
  return undefined;
}

function describeFetchError(error: unknown, options: SendOptions): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return `no answer within ${formatDuration(options.timeoutMs)}`;
  }
  if (error instanceof DOMException && error.name === 'AbortError') return 'interrupted';
  const cause = error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code === 'ENOTFOUND') return `host not found (${cause.message})`;
  const message = cause?.message ?? (error instanceof Error ? error.message : String(error));
  return message;
}
