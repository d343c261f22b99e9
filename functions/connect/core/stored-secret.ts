/**
 * The receiver's webhook secret as connect reads and writes it. The receiver
 * (`functions/receiver/core/secrets.ts`, `parseSecretValue`) accepts plain text or a JSON object with
 * `current` and optionally `next`/`previous`, and ignores other fields; connect writes JSON, adding
 * the webhook's id (so the CLI can find the webhook without CloudFormation) and, during a rotation,
 * when it began (so a later run can drop the old secret).
 */

export interface StoredWebhookSecret {
  /** `unset`: empty, the stack's placeholder, or unreadable; the receiver answers 503 until it is set. */
  readonly state: 'unset' | 'set' | 'rotating';
  readonly current?: string;
  readonly next?: string;
  /** The ComplyCube webhook the secret belongs to, when connect wrote it. */
  readonly webhookId?: string;
  /** ISO time the rotation began. */
  readonly rotatedAt?: string;
}

/** Reads a stored value; never throws (a broken value is `unset`, which the caller reports). */
export function readStoredSecret(value: string | undefined): StoredWebhookSecret {
  const text = value?.trim() ?? '';
  if (text === '') return { state: 'unset' };
  if (!text.startsWith('{')) return { state: 'set', current: text };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { state: 'unset' };
  }
  if (typeof parsed !== 'object' || parsed === null) return { state: 'unset' };
  const fields = parsed as Record<string, unknown>;
  const text_ = (name: string): string | undefined => {
    const v = fields[name];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };
  const current = text_('current');
  if (current === undefined) return { state: 'unset' };
  const next = text_('next');
  const webhookId = text_('webhookId');
  const rotatedAt = text_('rotatedAt');
  return {
    state: next === undefined ? 'set' : 'rotating',
    current,
    ...(next === undefined ? {} : { next }),
    ...(webhookId === undefined ? {} : { webhookId }),
    ...(rotatedAt === undefined ? {} : { rotatedAt }),
  };
}

/** The newest secret a stored value holds (`next` during a rotation), if any. */
export function newestSecret(stored: StoredWebhookSecret): string | undefined {
  return stored.next ?? stored.current;
}

/** `{"current": secret, "webhookId": id}`. */
export function singleSecretValue(secret: string, webhookId: string): string {
  return JSON.stringify({ current: secret, webhookId });
}

/**
 * `{"current": old, "next": new, "webhookId": id, "rotatedAt": time}`: both verify, so deliveries
 * still signed with the old secret are accepted while the new webhook's arrive.
 */
export function rotationSecretValue(
  oldSecret: string,
  newSecret: string,
  webhookId: string,
  at: Date,
): string {
  return JSON.stringify({ current: oldSecret, next: newSecret, webhookId, rotatedAt: at.toISOString() });
}

/**
 * Reads the API key's secret: plain text, or JSON `{"apiKey": "..."}`. Anything else (empty, the
 * construct's placeholder `{"note": …, "placeholder": …}`) is `undefined`: not set yet.
 */
export function readApiKeyValue(value: string | undefined): string | undefined {
  const text = value?.trim() ?? '';
  if (text === '') return undefined;
  if (!text.startsWith('{')) return text;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) {
      const key = (parsed as Record<string, unknown>).apiKey;
      if (typeof key === 'string' && key.trim() !== '') return key.trim();
    }
  } catch {
    // Unreadable JSON is no key; the caller says how to set it. No `cause`: it would quote the value.
  }
  return undefined;
}
