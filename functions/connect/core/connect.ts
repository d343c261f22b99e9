/**
 * Connect, status and disconnect: the provider side of the receiver, over ports (see `ports.ts`),
 * shared by the CloudFormation custom resource (`../handler.ts`) and the CLI.
 *
 * connect: find the receiver's webhook in ComplyCube (by the id connect stored, else by URL), create
 * it when absent, set `events` to exactly the list the subscriptions need and `enabled: true`, and
 * write the secret ComplyCube returns at creation (and only then) into the receiver's webhook secret.
 */
import { checkApiKey } from '../../complycube-api/api-key.js';
import { isLoopbackHost } from '../../complycube-api/base-url.js';
import {
  ComplyCubeAuthError,
  ComplyCubeConfigError,
  ComplyCubeError,
  ComplyCubeNotFoundError,
  ComplyCubeValidationError,
  ComplyCubeWebhookLimitError,
  isOutcomeUnknown,
} from '../../complycube-api/errors.js';
import type { CreatedWebhook, Webhook } from '../../complycube-api/types.js';
import { ConnectError } from './errors.js';
import type { ApiKeySource, ConnectPorts, SecretStore, WebhookApi } from './ports.js';
import {
  newestSecret,
  readApiKeyValue,
  readStoredSecret,
  rotationSecretValue,
  type StoredWebhookSecret,
  singleSecretValue,
} from './stored-secret.js';

/** ComplyCube's documented maximum of webhooks per account. */
export const WEBHOOK_LIMIT = 20;

/** How long the old secret keeps verifying after a re-creation: ComplyCube retries for about a day. */
export const DEFAULT_ROTATION_OVERLAP_MS = 3 * 24 * 60 * 60 * 1000;

export interface ConnectRequest {
  /** The receiver's function URL. */
  readonly url: string;
  /**
   * The event types the subscriptions need (the `PortalEventTypes` list), or a list holding `*` when
   * a subscription takes everything (registered as `["*"]`, so types ComplyCube adds later flow too).
   */
  readonly events: readonly string[];
  /** The webhook id stored by an earlier run (the custom resource's physical id). */
  readonly webhookId?: string;
  /** @default 'complycube-webhooks receiver' */
  readonly description?: string;
  /** @default DEFAULT_ROTATION_OVERLAP_MS */
  readonly rotationOverlapMs?: number;
}

export type ConnectAction = 'created' | 'recreated' | 'updated' | 'unchanged' | 'skipped';

/** What happened to the receiver's webhook secret. */
export type SecretOutcome =
  /** The new webhook's secret was written. */
  | 'stored'
  /** The new secret was written beside the old one, `{"current": old, "next": new}`. */
  | 'rotation'
  /** The rotation's overlap is over: only the new secret is kept. */
  | 'promoted'
  /** Nothing to write: the webhook and its secret stay. */
  | 'kept'
  /** Nothing was connected. */
  | 'untouched';

export interface ConnectResult {
  readonly action: ConnectAction;
  /** The webhook's id (never its secret); absent when skipped. */
  readonly webhookId?: string;
  readonly webhook?: Webhook;
  /** What changed, for people: `events: +check.failed`, `enabled: false → true`. */
  readonly changes: readonly string[];
  readonly secret: SecretOutcome;
  /** Things that did not fail the run but need a person (the placeholder key, a duplicate webhook). */
  readonly warnings: readonly string[];
  /** One line saying what happened. */
  readonly summary: string;
}

/**
 * The events list to register: `["*"]` when any entry is `*`, else the entries sorted, once each.
 *
 * @example
 * webhookEvents(['check.completed', 'client.created']); // ['check.completed', 'client.created']
 * webhookEvents(['check.completed', '*']); // ['*']
 */
export function webhookEvents(events: readonly string[]): string[] {
  if (events.includes('*')) return ['*'];
  return [...new Set(events.map((e) => e.trim()).filter((e) => e !== ''))].sort();
}

/**
 * Makes ComplyCube's webhook for `request.url` exist, enabled, with exactly `request.events`, and its
 * secret stored. Throws `ConnectError` with what to fix; a placeholder API key is not a failure
 * (`action: 'skipped'` and a warning that says what to do next).
 *
 * @example
 * const result = await connect({ url, events: ['check.completed'] }, { apiKey, api, webhookSecret });
 */
export async function connect(request: ConnectRequest, ports: ConnectPorts): Promise<ConnectResult> {
  const warnings: string[] = [];
  const url = checkWebhookUrl(request.url, warnings);
  const events = webhookEvents(request.events);
  if (events.length === 0) {
    return skipped(
      `No subscription needs an event type, so no ComplyCube webhook was registered for ${url}. Subscribe to an event type (receiver.subscribe(…)) and deploy again.`,
      warnings,
    );
  }
  const key = await readApiKey(ports.apiKey);
  if (key === undefined) return skipped(placeholderKeyWarning(ports.apiKey.description), warnings);
  const api = ports.api(key);
  const stored = readStoredSecret(await readSecret(ports.webhookSecret));
  const now = new Date((ports.now ?? Date.now)());
  const description = request.description ?? 'complycube-webhooks receiver';

  return withApiErrors(ports.apiKey, async () => {
    const knownIds = [...new Set([request.webhookId, stored.webhookId])].filter(
      (id): id is string => id !== undefined && id !== '',
    );
    let found: { webhook: Webhook; by: 'id' | 'url' } | undefined;
    for (const id of knownIds) {
      const webhook = await getIfExists(api, id);
      if (webhook !== undefined) {
        found = { webhook, by: 'id' };
        break;
      }
    }
    let all: Webhook[] | undefined;
    if (found === undefined) {
      all = await api.allWebhooks();
      const atUrl = all.filter((w) => sameUrl(w.url, url));
      if (atUrl.length > 1) {
        warnings.push(
          `ComplyCube has ${atUrl.length} webhooks for ${url} (${atUrl.map((w) => w.id).join(', ')}); connect manages ${atUrl[0]?.id}. Each delivers every event once more (the receiver drops the copies); delete the others.`,
        );
      }
      const first = atUrl[0];
      if (first !== undefined) found = { webhook: first, by: 'url' };
    }

    // The stored secret is this webhook's when connect wrote it for this id, or (no id stored with
    // it) when a person pasted it by hand. Otherwise nobody has the webhook's secret.
    const knowsSecret =
      found !== undefined &&
      stored.state !== 'unset' &&
      (stored.webhookId === undefined || stored.webhookId === found.webhook.id);
    if (found !== undefined && knowsSecret) {
      return updateFound(
        found.webhook,
        found.by === 'id',
        url,
        events,
        stored,
        now,
        request,
        ports,
        warnings,
        api,
      );
    }

    let replaced: string | undefined;
    if (found !== undefined) {
      await api.deleteWebhook(found.webhook.id);
      replaced = found.webhook.id;
      all = all?.filter((w) => w.id !== found.webhook.id);
      warnings.push(
        `Webhook ${found.webhook.id} for ${url} was deleted and created again: ${ports.webhookSecret.description} held no secret for it, and ComplyCube shows a secret only when a webhook is created.`,
      );
    }
    const count = (all ?? (await api.allWebhooks())).length;
    if (count >= WEBHOOK_LIMIT) throw limitError(count);

    const created = await createOnce(api, { url, events, enabled: true, description }, knownIds, warnings);
    const secretOutcome = await storeSecret(created, stored, now, api, ports.webhookSecret);
    const action: ConnectAction = replaced !== undefined || knownIds.length > 0 ? 'recreated' : 'created';
    const gone =
      knownIds.length > 0 && replaced === undefined
        ? ` (webhook ${knownIds.join(', ')} no longer exists)`
        : '';
    return {
      action,
      webhookId: created.id,
      webhook: withoutSecret(created),
      changes: [`created webhook ${created.id}${gone}`],
      secret: secretOutcome,
      warnings,
      summary:
        `${action === 'created' ? 'Created' : 'Re-created'} ComplyCube webhook ${created.id} for ${url} with ${describeEvents(events)}; ` +
        (secretOutcome === 'rotation'
          ? `its secret is stored in ${ports.webhookSecret.description} beside the old one ({"current": old, "next": new}) until the old one can go.`
          : `its secret is stored in ${ports.webhookSecret.description}.`),
    };
  });
}

async function updateFound(
  webhook: Webhook,
  byId: boolean,
  url: string,
  events: readonly string[],
  stored: StoredWebhookSecret,
  now: Date,
  request: ConnectRequest,
  ports: ConnectPorts,
  warnings: string[],
  api: WebhookApi,
): Promise<ConnectResult> {
  const changes: string[] = [];
  const update: { url?: string; events?: string[]; enabled?: boolean } = {};
  if (!sameUrl(webhook.url, url)) {
    update.url = url;
    changes.push(`url: ${webhook.url} → ${url}`);
  }
  const { missing, extra } = eventDrift(webhook.events, events);
  if (missing.length > 0 || extra.length > 0) {
    update.events = [...events];
    changes.push(`events: ${[...missing.map((e) => `+${e}`), ...extra.map((e) => `-${e}`)].join(' ')}`);
  }
  if (!webhook.enabled) {
    update.enabled = true;
    changes.push('enabled: false → true');
  }
  const current = changes.length > 0 ? await api.updateWebhook(webhook.id, update) : webhook;

  let secret: SecretOutcome = 'kept';
  const overlap = request.rotationOverlapMs ?? DEFAULT_ROTATION_OVERLAP_MS;
  const rotatedAt = stored.rotatedAt === undefined ? Number.NaN : Date.parse(stored.rotatedAt);
  if (
    byId &&
    stored.state === 'rotating' &&
    stored.next !== undefined &&
    stored.webhookId === webhook.id &&
    !(now.getTime() - rotatedAt < overlap)
  ) {
    try {
      await ports.webhookSecret.write(singleSecretValue(stored.next, webhook.id));
      secret = 'promoted';
    } catch (error) {
      // Harmless to leave: the old secret keeps verifying a little longer. The next run tries again.
      warnings.push(
        `Could not drop the old webhook secret from ${ports.webhookSecret.description} (${messageOf(error)}); both still verify. The next run tries again.`,
      );
    }
  }
  return {
    action: changes.length > 0 ? 'updated' : 'unchanged',
    webhookId: webhook.id,
    webhook: current,
    changes,
    secret,
    warnings,
    summary:
      changes.length > 0
        ? `Updated ComplyCube webhook ${webhook.id} (${changes.join('; ')}).`
        : `ComplyCube webhook ${webhook.id} for ${url} is as expected (${describeEvents(events)}, enabled).`,
  };
}

/**
 * Creates the webhook; when the create's outcome is unknown (a timeout, a reset, a 5xx) it looks:
 * any webhook at our URL that was not there before was made by that create, and its secret was in
 * the lost answer, so it is deleted, and the create is sent once more.
 */
async function createOnce(
  api: WebhookApi,
  input: { url: string; events: string[]; enabled: true; description: string },
  knownIds: readonly string[],
  warnings: string[],
): Promise<CreatedWebhook> {
  try {
    return await api.createWebhook(input);
  } catch (error) {
    if (!isOutcomeUnknown(error)) throw error;
    const strays = (await api.allWebhooks()).filter(
      (w) => sameUrl(w.url, input.url) && !knownIds.includes(w.id),
    );
    for (const stray of strays) await api.deleteWebhook(stray.id);
    warnings.push(
      strays.length > 0
        ? `The first create's answer was lost (${messageOf(error)}); the webhook it made (${strays.map((s) => s.id).join(', ')}) was deleted, since its secret was in that answer, and created again.`
        : `The first create's answer was lost (${messageOf(error)}) and it made no webhook; it was sent again.`,
    );
    return api.createWebhook(input);
  }
}

async function storeSecret(
  created: CreatedWebhook,
  stored: StoredWebhookSecret,
  now: Date,
  api: WebhookApi,
  store: SecretStore,
): Promise<SecretOutcome> {
  const old = stored.state === 'unset' ? undefined : newestSecret(stored);
  const rotating = old !== undefined && old !== created.secret;
  const value = rotating
    ? rotationSecretValue(old, created.secret, created.id, now)
    : singleSecretValue(created.secret, created.id);
  try {
    await store.write(value);
  } catch (error) {
    // A webhook whose secret nobody has would sign every delivery with it and get 401s until
    // ComplyCube disables it: take it away again, and say so.
    let undo = `The webhook just created in ComplyCube (${created.id}) was deleted again, so none is left whose secret nobody has.`;
    try {
      await api.deleteWebhook(created.id);
    } catch (undoError) {
      undo = `Deleting the webhook just created in ComplyCube (${created.id}) failed too (${messageOf(undoError)}): delete it yourself (npx complycube-webhooks disconnect --webhook-id ${created.id}) before running again.`;
    }
    throw new ConnectError(
      'secret_store',
      `Could not write the webhook secret to ${store.description} (${messageOf(error)}). ${undo} Give this deployment or command secretsmanager:PutSecretValue on that secret (and kms:Encrypt on its key, if it has one) and run again.`,
      { cause: error },
    );
  }
  return rotating ? 'rotation' : 'stored';
}

// --- disconnect -------------------------------------------------------------------------------

export interface DisconnectRequest {
  /** The webhook id stored by connect (the custom resource's physical id). */
  readonly webhookId?: string;
  /** Also look for the webhook by URL (the CLI does; the custom resource deletes only what it made). */
  readonly url?: string;
  /** Keep the webhook (the removal policy says retain). @default false */
  readonly keep?: boolean;
}

export interface DisconnectResult {
  readonly action: 'deleted' | 'absent' | 'kept' | 'skipped';
  readonly webhookIds: readonly string[];
  readonly warnings: readonly string[];
  readonly summary: string;
}

/** Removes the receiver's webhook from ComplyCube (or keeps it, when told to). */
export async function disconnect(
  request: DisconnectRequest,
  ports: Pick<ConnectPorts, 'apiKey' | 'api'> & {
    readonly webhookSecret?: Pick<SecretStore, 'read' | 'description'>;
  },
): Promise<DisconnectResult> {
  if (request.keep === true) {
    return {
      action: 'kept',
      webhookIds: request.webhookId === undefined ? [] : [request.webhookId],
      warnings: [],
      summary: `Kept ComplyCube webhook ${request.webhookId ?? '(unknown id)'}, as the removal policy says; it keeps delivering to ${request.url ?? 'its URL'} until you delete it.`,
    };
  }
  const key = await readApiKey(ports.apiKey);
  if (key === undefined) {
    const warning = `${placeholderKeyWarning(ports.apiKey.description)} Nothing was deleted in ComplyCube.`;
    return { action: 'skipped', webhookIds: [], warnings: [warning], summary: warning };
  }
  const api = ports.api(key);
  const stored =
    ports.webhookSecret === undefined ? undefined : readStoredSecret(await readSecret(ports.webhookSecret));
  return withApiErrors(ports.apiKey, async () => {
    const ids = new Set(
      [request.webhookId, stored?.webhookId].filter((id): id is string => id !== undefined && id !== ''),
    );
    if (request.url !== undefined) {
      const url = request.url;
      for (const w of await api.allWebhooks()) if (sameUrl(w.url, url)) ids.add(w.id);
    }
    const deleted: string[] = [];
    for (const id of ids) {
      try {
        await api.deleteWebhook(id);
        deleted.push(id);
      } catch (error) {
        if (!(error instanceof ComplyCubeNotFoundError)) throw error;
      }
    }
    return {
      action: deleted.length > 0 ? 'deleted' : 'absent',
      webhookIds: deleted,
      warnings: [],
      summary:
        deleted.length > 0
          ? `Deleted ComplyCube webhook ${deleted.join(', ')}.`
          : 'ComplyCube has no webhook for this receiver; nothing to delete.',
    };
  });
}

// --- status -----------------------------------------------------------------------------------

export interface StatusRequest {
  readonly url: string;
  readonly events: readonly string[];
  readonly webhookId?: string;
}

export interface StatusReport {
  /** `placeholder`: the API key is not set; nothing else was asked. */
  readonly apiKey: 'set' | 'placeholder';
  readonly webhook?: Webhook;
  readonly foundBy?: 'id' | 'url';
  readonly expected: { readonly url: string; readonly events: readonly string[] };
  /** Registered events missing from what the subscriptions need, and extra ones. */
  readonly missingEvents: readonly string[];
  readonly extraEvents: readonly string[];
  /** The state of the receiver's webhook secret, never its value. */
  readonly secret: StoredWebhookSecret['state'];
  /** Whether the stored secret was written by connect for this very webhook. */
  readonly secretForThisWebhook: boolean | undefined;
  /** Webhooks on the account (at most 20). */
  readonly accountWebhooks?: number;
  /** Empty when all is as expected; else each says what is wrong and what to do. */
  readonly problems: readonly string[];
}

/** Compares the webhook as ComplyCube sees it with what the receiver expects. Changes nothing. */
export async function status(
  request: StatusRequest,
  ports: Pick<ConnectPorts, 'apiKey' | 'api' | 'webhookSecret'>,
): Promise<StatusReport> {
  const url = request.url;
  const events = webhookEvents(request.events);
  const stored = readStoredSecret(await readSecret(ports.webhookSecret));
  const expected = { url, events };
  const secretProblem =
    stored.state === 'unset'
      ? [
          `${ports.webhookSecret.description} holds no webhook secret yet: the receiver answers 503 to every delivery. Run connect.`,
        ]
      : [];
  const key = await readApiKey(ports.apiKey);
  if (key === undefined) {
    return {
      apiKey: 'placeholder',
      expected,
      missingEvents: [],
      extraEvents: [],
      secret: stored.state,
      secretForThisWebhook: undefined,
      problems: [placeholderKeyWarning(ports.apiKey.description), ...secretProblem],
    };
  }
  const api = ports.api(key);
  return withApiErrors(ports.apiKey, async () => {
    const all = await api.allWebhooks();
    const ids = [request.webhookId, stored.webhookId].filter((id): id is string => id !== undefined);
    const byId = all.find((w) => ids.includes(w.id));
    const byUrl = all.find((w) => sameUrl(w.url, url));
    const webhook = byId ?? byUrl;
    const problems = [...secretProblem];
    if (webhook === undefined) {
      problems.push(`ComplyCube has no webhook for ${url}: nothing is delivered. Run connect.`);
      return {
        apiKey: 'set',
        expected,
        missingEvents: events,
        extraEvents: [],
        secret: stored.state,
        secretForThisWebhook: undefined,
        accountWebhooks: all.length,
        problems,
      };
    }
    const { missing, extra } = eventDrift(webhook.events, events);
    if (!sameUrl(webhook.url, url)) {
      problems.push(`Webhook ${webhook.id} delivers to ${webhook.url}, not to ${url}. Run connect.`);
    }
    if (!webhook.enabled) {
      problems.push(
        `Webhook ${webhook.id} is disabled: ComplyCube delivers nothing (it disables a webhook after its last failed retry). Fix the receiver, then run connect to enable it.`,
      );
    }
    if (missing.length > 0) {
      problems.push(
        `Webhook ${webhook.id} does not send ${missing.join(', ')}, which subscriptions need. Run connect.`,
      );
    }
    if (extra.length > 0) {
      problems.push(
        `Webhook ${webhook.id} also sends ${extra.join(', ')}, which no subscription needs. Run connect.`,
      );
    }
    const secretForThisWebhook = stored.webhookId === undefined ? undefined : stored.webhookId === webhook.id;
    if (secretForThisWebhook === false) {
      problems.push(
        `${ports.webhookSecret.description} holds the secret of webhook ${stored.webhookId}, not of ${webhook.id}: deliveries will be refused as forged. Run connect.`,
      );
    }
    return {
      apiKey: 'set',
      webhook,
      foundBy: byId === undefined ? 'url' : 'id',
      expected,
      missingEvents: missing,
      extraEvents: extra,
      secret: stored.state,
      secretForThisWebhook,
      accountWebhooks: all.length,
      problems,
    };
  });
}

// --- helpers ----------------------------------------------------------------------------------

/** What `registered` lacks of `needed`, and what it has beyond; `*` covers every type. */
export function eventDrift(
  registered: readonly string[],
  needed: readonly string[],
): { missing: string[]; extra: string[] } {
  const has = new Set(registered);
  const wants = new Set(needed);
  if (has.has('*') && wants.has('*')) return { missing: [], extra: [] };
  const missing = [...wants].filter((e) => !has.has(e)).sort();
  const extra = [...has].filter((e) => !wants.has(e)).sort();
  return { missing, extra };
}

function checkWebhookUrl(value: string, warnings: string[]): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch (error) {
    throw new ConnectError('webhook_url', `The receiver's URL ${JSON.stringify(value)} is not a URL.`, {
      cause: error,
    });
  }
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) {
    warnings.push(
      `${url.href} is plain HTTP on loopback: only the ComplyCube API emulator (started with allowHttpLoopbackWebhookUrls) accepts it; ComplyCube needs HTTPS.`,
    );
    return url.href;
  }
  if (url.protocol !== 'https:') {
    throw new ConnectError(
      'webhook_url',
      `ComplyCube delivers only to HTTPS URLs, and the receiver's URL is ${url.href}. Use the function URL (https://…lambda-url…) or an HTTPS domain in front of it.`,
    );
  }
  return url.href;
}

function sameUrl(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
}

async function readApiKey(source: ApiKeySource): Promise<string | undefined> {
  let value: string | undefined;
  try {
    value = await source.read();
  } catch (error) {
    throw new ConnectError(
      'secret_store',
      `Could not read the ComplyCube API key from ${source.description} (${messageOf(error)}). Check that the secret exists and that this deployment or command may read it (secretsmanager:GetSecretValue).`,
      { cause: error },
    );
  }
  const key = readApiKeyValue(value);
  if (key === undefined) return undefined;
  try {
    return checkApiKey(key).key;
  } catch (error) {
    throw new ConnectError(
      'api_key',
      `${error instanceof Error ? error.message : 'The API key is malformed.'} (read from ${source.description})`,
      { cause: error },
    );
  }
}

async function readSecret(store: Pick<SecretStore, 'read' | 'description'>): Promise<string | undefined> {
  try {
    return await store.read();
  } catch (error) {
    throw new ConnectError(
      'secret_store',
      `Could not read the webhook secret ${store.description} (${messageOf(error)}). Check that it exists and that this deployment or command may read and write it.`,
      { cause: error },
    );
  }
}

async function getIfExists(api: WebhookApi, id: string): Promise<Webhook | undefined> {
  try {
    return await api.getWebhook(id);
  } catch (error) {
    if (error instanceof ComplyCubeNotFoundError) return undefined;
    throw error;
  }
}

async function withApiErrors<T>(apiKey: ApiKeySource, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ConnectError || !(error instanceof ComplyCubeError)) throw error;
    if (error instanceof ComplyCubeAuthError) {
      throw new ConnectError('api_key', `${error.message} The key was read from ${apiKey.description}.`, {
        cause: error,
      });
    }
    if (error instanceof ComplyCubeWebhookLimitError) {
      throw new ConnectError('webhook_limit', error.message, { cause: error });
    }
    if (error instanceof ComplyCubeValidationError && /url|https/i.test(error.apiMessage ?? '')) {
      throw new ConnectError(
        'webhook_url',
        `${error.message} ComplyCube delivers only to HTTPS URLs it can reach.`,
        { cause: error },
      );
    }
    if (error instanceof ComplyCubeConfigError) {
      throw new ConnectError('api', error.message, { cause: error });
    }
    throw new ConnectError('api', error.message, { cause: error });
  }
}

function limitError(count: number): ConnectError {
  return new ConnectError(
    'webhook_limit',
    `The ComplyCube account already has ${count} webhooks, the most it allows (${WEBHOOK_LIMIT}). Delete one you no longer use (ComplyCube portal, Developers > Webhooks) and run again.`,
  );
}

function placeholderKeyWarning(description: string): string {
  return (
    `The ComplyCube API key in ${description} is not set yet (still the placeholder), so nothing was connected. ` +
    `Put your key into it without it reaching your shell history, e.g. ` +
    `aws secretsmanager put-secret-value --secret-id ${description} --secret-string file://complycube-api-key.txt, ` +
    `then deploy again (or run npx complycube-webhooks connect).`
  );
}

function skipped(warning: string, warnings: string[]): ConnectResult {
  return {
    action: 'skipped',
    changes: [],
    secret: 'untouched',
    warnings: [...warnings, warning],
    summary: warning,
  };
}

function describeEvents(events: readonly string[]): string {
  return events.length === 1 && events[0] === '*' ? 'every event type' : `${events.length} event types`;
}

function withoutSecret({ secret: _secret, ...webhook }: CreatedWebhook): Webhook {
  return webhook;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
