/**
 * A ComplyCube API emulator: a loopback HTTP server written from ComplyCube's documented REST
 * contract (see /work/shared/PROVIDERS.md, docs/connect.md), for tests and the local stack. A dev and
 * test tool, never deployed.
 *
 * What it does:
 * - `Authorization: <key>` (no `Bearer`) against a configured set of `test_`/`live_` keys; `401` otherwise.
 * - A per-key rate limit (5 requests in any second for `test_`, 10 for `live_`), answering `429`.
 * - Webhooks: create (the `secret` only in that answer), get, partial update (`POST /webhooks/{id}`),
 *   delete, list (paged `{page,pageSize,totalItems,pages,items}`), at most 20, `https://` URLs only
 *   (an `http://` loopback URL only with `allowHttpLoopbackWebhookUrls`, an emulator-only allowance
 *   for the local stack, whose function URL is plain HTTP on loopback).
 * - Lists, newest first, paged (pageSize 1-1000, default 100), with `createdAfter/Before`,
 *   `updatedAfter/Before` and each list's documented filters: `/checks`, `/clients`,
 *   `/clients/{id}/documents`, `/clients/{id}/addresses`, `/auditLogs`, `/workflowSessions`; objects
 *   are created, changed and deleted over time through the programmatic handle, which also writes
 *   audit log entries.
 * - Faults on demand (`failNext`), a webhook disabled on demand (`disableWebhook`), and signed
 *   deliveries to the registered webhooks (`deliver`).
 *
 * What it does not do (each is unknown or out of scope, see docs/connect.md):
 * - ComplyCube's exact error bodies and statuses: it answers `{type, message}`; the 20-webhook limit
 *   is a `422` whose message names the limit; validation is `400`.
 * - The exact meaning of the time filters at their bounds: here `After` and `Before` are strict.
 * - Anything but the endpoints above (no clients/checks creation over HTTP, no workflows, no files).
 * - Retries and give-up of deliveries (the provider simulator does that), and any redelivery.
 * - The real rate limiter's algorithm: it counts requests accepted in the last 1000 ms per key.
 * - TLS: it serves plain HTTP on loopback only.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopbackHost } from '../../functions/complycube-api/base-url.js';

export type EmulatedResource = 'checks' | 'clients' | 'documents' | 'addresses' | 'workflowSessions';

/** A stored object: `id`, `createdAt`, `updatedAt`, and whatever fields it was given. */
export interface EmulatedObject {
  readonly id: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly [field: string]: unknown;
}

export interface AuditLogEntry {
  readonly id: string;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly action: string;
  readonly trigger: string;
  readonly createdAt: string;
  readonly clientId?: string;
  readonly memberId?: string;
  readonly [field: string]: unknown;
}

/** A webhook as the emulator holds it, secret included (tests read it; the API never shows it again). */
export interface EmulatedWebhook {
  readonly id: string;
  readonly url: string;
  readonly enabled: boolean;
  readonly events: readonly string[];
  readonly description?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly secret: string;
}

/** One request as the emulator saw it; the key is reduced to its kind. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly keyKind: 'test' | 'live' | 'none' | 'unknown';
  readonly at: number;
  /** The parsed JSON body, for requests that had one. */
  readonly body?: unknown;
}

export interface FailNextOptions {
  /** Only requests with this method count. @default any */
  readonly method?: string;
  /** Only requests whose path (below /v1) starts with this count. @default any */
  readonly pathPrefix?: string;
  /** Sent as `Retry-After`. */
  readonly retryAfter?: string;
  /**
   * Carry the request out, then answer with the failure: a create whose answer is lost.
   * @default false (refused before anything happens)
   */
  readonly afterHandling?: boolean;
}

export interface ComplyCubeApiEmulatorOptions {
  /** Keys accepted in `Authorization`. @default one random `test_` key (see `apiKey`) */
  readonly apiKeys?: readonly string[];
  /** A loopback address. @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** Requests per second per key; `false` for none. @default { test: 5, live: 10 } */
  readonly rateLimit?: { readonly test: number; readonly live: number } | false;
  /**
   * Accept `http://` webhook URLs on loopback. The real API accepts only `https://`; this exists so
   * the local stack can register its plain-HTTP loopback function URL. @default false
   */
  readonly allowHttpLoopbackWebhookUrls?: boolean;
  /** @default 20, the documented maximum */
  readonly webhookLimit?: number;
  /** Milliseconds since the epoch, for `createdAt`/`updatedAt` and the rate limit. @default Date.now */
  readonly now?: () => number;
}

export interface ObjectInput {
  readonly id?: string;
  /** ISO time. @default now */
  readonly createdAt?: string;
  /** ISO time. @default `createdAt` */
  readonly updatedAt?: string;
  readonly [field: string]: unknown;
}

export interface MutationOptions {
  /** ISO time of the change. @default now */
  readonly at?: string;
  /** Write an audit log entry. @default true */
  readonly audit?: boolean;
  /** The audit entry's `trigger`. @default 'api' */
  readonly trigger?: string;
}

export interface DeliveryResult {
  readonly webhookId: string;
  readonly url: string;
  /** The receiver's status, or `undefined` when the request failed (`error` says why). */
  readonly status: number | undefined;
  readonly error?: string;
}

export interface EmulatorState {
  readonly webhooks: readonly EmulatedWebhook[];
  readonly objects: Readonly<Record<EmulatedResource, readonly EmulatedObject[]>>;
  readonly auditLogs: readonly AuditLogEntry[];
  readonly requests: readonly RecordedRequest[];
}

export interface ComplyCubeApiEmulator {
  /** The base URL to use as `COMPLYCUBE_API_URL`, e.g. `http://127.0.0.1:41234/v1`. */
  readonly url: string;
  /** The first accepted key. */
  readonly apiKey: string;
  /** A snapshot of everything the emulator holds (copies; changing them changes nothing). */
  readonly state: EmulatorState;
  /** The next `count` matching requests are answered with `status` (e.g. 429, 500, 503). */
  failNext(count: number, status: number, options?: FailNextOptions): void;
  /** Turns a webhook off, as ComplyCube does after the last failed retry. */
  disableWebhook(id: string): void;
  createObject(resource: EmulatedResource, input?: ObjectInput, options?: MutationOptions): EmulatedObject;
  updateObject(
    resource: EmulatedResource,
    id: string,
    fields: Readonly<Record<string, unknown>>,
    options?: MutationOptions,
  ): EmulatedObject;
  deleteObject(resource: EmulatedResource, id: string, options?: MutationOptions): void;
  addAuditLog(
    entry: Partial<AuditLogEntry> & Pick<AuditLogEntry, 'resourceType' | 'resourceId' | 'action'>,
  ): AuditLogEntry;
  /**
   * Signs `event` (HMAC-SHA256 hex of the body with each webhook's secret, `ComplyCube-Signature`) and
   * POSTs it to every enabled webhook whose events include its type (or `*`).
   */
  deliver<E extends { readonly type: string }>(event: E): Promise<DeliveryResult[]>;
  close(): Promise<void>;
}

const API_PREFIX = '/v1';
/** The emulator's control API (not ComplyCube's): deliver, disable, fail-next. Same keys. */
const CONTROL_PREFIX = '/_emulator';
const MAX_BODY_BYTES = 1_000_000;
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
const TIME_FILTERS = ['createdAfter', 'createdBefore', 'updatedAfter', 'updatedBefore'] as const;
const WEBHOOK_FIELDS = new Set(['url', 'events', 'enabled', 'description']);

/** The filters each list accepts besides paging and time; anything else is refused with 400. */
const FILTERS: Readonly<Record<EmulatedResource | 'auditLogs', readonly string[]>> = {
  checks: [
    'clientId',
    'type',
    'status',
    'documentId',
    'addressId',
    'livePhotoId',
    'liveVideoId',
    'result.outcome',
  ],
  clients: ['type', 'email', 'entityName'],
  documents: ['type'],
  addresses: ['type'],
  workflowSessions: ['clientId', 'workflowTemplateId', 'status'],
  auditLogs: ['memberId', 'resourceType', 'resourceId', 'clientId', 'trigger', 'action'],
};

/** The audit log's `resourceType` for each list. */
const RESOURCE_TYPE: Readonly<Record<EmulatedResource, string>> = {
  checks: 'check',
  clients: 'client',
  documents: 'document',
  addresses: 'address',
  workflowSessions: 'workflowSession',
};

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

interface PendingFailure {
  remaining: number;
  readonly status: number;
  readonly options: FailNextOptions;
}

/**
 * Starts the emulator on a free loopback port.
 *
 * @example
 * const api = await startComplyCubeApiEmulator({ allowHttpLoopbackWebhookUrls: true });
 * process.env.COMPLYCUBE_API_URL = api.url;
 * api.failNext(2, 429);
 * await api.close();
 */
export async function startComplyCubeApiEmulator(
  options: ComplyCubeApiEmulatorOptions = {},
): Promise<ComplyCubeApiEmulator> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) {
    throw new Error(`The ComplyCube API emulator listens on loopback only; ${host} is not loopback.`);
  }
  const apiKeys = options.apiKeys ?? [`test_emulator${randomBytes(12).toString('hex')}`];
  const firstKey = apiKeys[0];
  if (firstKey === undefined) throw new Error('apiKeys must name at least one key.');
  for (const key of apiKeys) {
    if (!/^(test|live)_\S+$/.test(key)) {
      throw new Error(
        `Every emulator API key starts with test_ or live_ (key #${apiKeys.indexOf(key) + 1} does not).`,
      );
    }
  }
  const keys = new Set(apiKeys);
  const now = options.now ?? Date.now;
  const rateLimit = options.rateLimit ?? { test: 5, live: 10 };
  const webhookLimit = options.webhookLimit ?? 20;
  const allowHttpLoopback = options.allowHttpLoopbackWebhookUrls ?? false;

  const webhooks = new Map<string, EmulatedWebhook>();
  const objects: Record<EmulatedResource, Map<string, EmulatedObject>> = {
    checks: new Map(),
    clients: new Map(),
    documents: new Map(),
    addresses: new Map(),
    workflowSessions: new Map(),
  };
  const auditLogs: AuditLogEntry[] = [];
  const requests: RecordedRequest[] = [];
  const recentByKey = new Map<string, number[]>();
  const failures: PendingFailure[] = [];

  const iso = (): string => new Date(now()).toISOString();
  const newId = (): string => randomBytes(12).toString('hex');

  function addAuditLog(
    entry: Partial<AuditLogEntry> & Pick<AuditLogEntry, 'resourceType' | 'resourceId' | 'action'>,
  ): AuditLogEntry {
    const full: AuditLogEntry = { id: newId(), trigger: 'api', createdAt: iso(), ...entry };
    auditLogs.push(full);
    return full;
  }

  function audit(
    resource: EmulatedResource,
    object: EmulatedObject,
    action: string,
    at: string,
    opts: MutationOptions,
  ) {
    if (opts.audit === false) return;
    const clientId = resource === 'clients' ? object.id : object.clientId;
    addAuditLog({
      resourceType: RESOURCE_TYPE[resource],
      resourceId: object.id,
      action,
      trigger: opts.trigger ?? 'api',
      createdAt: at,
      ...(typeof clientId === 'string' ? { clientId } : {}),
    });
  }

  function createObject(
    resource: EmulatedResource,
    input: ObjectInput = {},
    opts: MutationOptions = {},
  ): EmulatedObject {
    const createdAt = input.createdAt ?? opts.at ?? iso();
    const object: EmulatedObject = {
      ...input,
      id: input.id ?? newId(),
      createdAt,
      updatedAt: input.updatedAt ?? createdAt,
    };
    if (objects[resource].has(object.id)) throw new Error(`${resource} ${object.id} exists already.`);
    objects[resource].set(object.id, object);
    audit(resource, object, 'create', createdAt, opts);
    return structuredClone(object);
  }

  function updateObject(
    resource: EmulatedResource,
    id: string,
    fields: Readonly<Record<string, unknown>>,
    opts: MutationOptions = {},
  ): EmulatedObject {
    const existing = objects[resource].get(id);
    if (existing === undefined) throw new Error(`No ${resource} ${id} to update.`);
    const at = opts.at ?? iso();
    const object: EmulatedObject = {
      ...existing,
      ...fields,
      id,
      createdAt: existing.createdAt,
      updatedAt: at,
    };
    objects[resource].set(id, object);
    audit(resource, object, 'update', at, opts);
    return structuredClone(object);
  }

  function deleteObject(resource: EmulatedResource, id: string, opts: MutationOptions = {}): void {
    const existing = objects[resource].get(id);
    if (existing === undefined) throw new Error(`No ${resource} ${id} to delete.`);
    objects[resource].delete(id);
    audit(resource, existing, 'delete', opts.at ?? iso(), opts);
  }

  // --- HTTP -----------------------------------------------------------------------------------

  function overRate(key: string): boolean {
    if (rateLimit === false) return false;
    const limit = key.startsWith('live_') ? rateLimit.live : rateLimit.test;
    const t = now();
    const recent = (recentByKey.get(key) ?? []).filter((at) => t - at < 1000);
    if (recent.length >= limit) {
      recentByKey.set(key, recent);
      return true;
    }
    recent.push(t);
    recentByKey.set(key, recent);
    return false;
  }

  function takeFailure(method: string, path: string): PendingFailure | undefined {
    const failure = failures.find(
      (f) =>
        f.remaining > 0 &&
        (f.options.method === undefined || f.options.method.toUpperCase() === method) &&
        (f.options.pathPrefix === undefined || path.startsWith(f.options.pathPrefix)),
    );
    if (failure === undefined) return undefined;
    failure.remaining--;
    if (failure.remaining === 0) failures.splice(failures.indexOf(failure), 1);
    return failure;
  }

  function checkWebhookUrl(value: unknown): string {
    if (typeof value !== 'string' || value === '')
      throw new HttpFailure(400, 'invalid_request', 'url is required.');
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new HttpFailure(400, 'invalid_request', 'url must be a valid URL.');
    }
    if (url.protocol === 'https:') return value;
    if (url.protocol === 'http:' && allowHttpLoopback && isLoopbackHost(url.hostname)) return value;
    throw new HttpFailure(400, 'invalid_request', 'url must be a valid HTTPS URL.');
  }

  function checkEvents(value: unknown): string[] {
    if (!Array.isArray(value) || value.length === 0) {
      throw new HttpFailure(400, 'invalid_request', 'events must be a non-empty array of event types.');
    }
    if (!value.every((e): e is string => typeof e === 'string' && /^[a-z_*][a-z_.*]*$/i.test(e))) {
      throw new HttpFailure(400, 'invalid_request', 'events must contain event types only.');
    }
    if (value.includes('*') && value.length > 1) {
      throw new HttpFailure(400, 'invalid_request', 'events: "*" stands alone.');
    }
    return [...value];
  }

  function checkWebhookFields(body: unknown, creating: boolean): Record<string, unknown> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new HttpFailure(400, 'invalid_request', 'The body must be a JSON object.');
    }
    const fields = body as Record<string, unknown>;
    for (const name of Object.keys(fields)) {
      if (!WEBHOOK_FIELDS.has(name)) throw new HttpFailure(400, 'invalid_request', `Unknown field ${name}.`);
    }
    const out: Record<string, unknown> = {};
    if (creating || fields.url !== undefined) out.url = checkWebhookUrl(fields.url);
    if (creating || fields.events !== undefined) out.events = checkEvents(fields.events);
    if (fields.enabled !== undefined) {
      if (typeof fields.enabled !== 'boolean')
        throw new HttpFailure(400, 'invalid_request', 'enabled must be a boolean.');
      out.enabled = fields.enabled;
    }
    if (fields.description !== undefined) {
      if (typeof fields.description !== 'string') {
        throw new HttpFailure(400, 'invalid_request', 'description must be a string.');
      }
      out.description = fields.description;
    }
    return out;
  }

  const publicWebhook = ({ secret: _secret, ...rest }: EmulatedWebhook): Omit<EmulatedWebhook, 'secret'> =>
    rest;

  function paging(query: URLSearchParams): { page: number; pageSize: number } {
    const page = query.get('page') === null ? 1 : Number(query.get('page'));
    const pageSize = query.get('pageSize') === null ? DEFAULT_PAGE_SIZE : Number(query.get('pageSize'));
    if (!Number.isInteger(page) || page < 1)
      throw new HttpFailure(400, 'invalid_request', 'page must be an integer from 1.');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new HttpFailure(
        400,
        'invalid_request',
        `pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}.`,
      );
    }
    return { page, pageSize };
  }

  function pageOf<T>(items: readonly T[], query: URLSearchParams) {
    const { page, pageSize } = paging(query);
    const start = (page - 1) * pageSize;
    return {
      page,
      pageSize,
      totalItems: items.length,
      pages: Math.ceil(items.length / pageSize),
      items: items.slice(start, start + pageSize),
    };
  }

  function newestFirst<T extends { readonly createdAt: string; readonly id: string }>(
    items: Iterable<T>,
  ): T[] {
    return [...items].sort((a, b) =>
      a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
    );
  }

  function filtered<T extends { readonly createdAt: string; readonly updatedAt?: string }>(
    items: readonly T[],
    query: URLSearchParams,
    allowed: readonly string[],
    allowMetadata: boolean,
    fixed: Readonly<Record<string, string>> = {},
  ): T[] {
    const bounds: Array<(item: T) => boolean> = [];
    for (const name of TIME_FILTERS) {
      const value = query.get(name);
      if (value === null) continue;
      const time = Date.parse(value);
      if (Number.isNaN(time))
        throw new HttpFailure(400, 'invalid_request', `${name} must be an ISO 8601 date.`);
      const field = name.startsWith('created') ? 'createdAt' : 'updatedAt';
      const after = name.endsWith('After');
      bounds.push((item) => {
        const own = Date.parse(String(item[field] ?? item.createdAt));
        return after ? own > time : own < time;
      });
    }
    const equal: Array<[string, string]> = Object.entries(fixed);
    for (const [name, value] of query) {
      if (name === 'page' || name === 'pageSize' || (TIME_FILTERS as readonly string[]).includes(name))
        continue;
      if (!allowed.includes(name) && !(allowMetadata && name.startsWith('metadata.'))) {
        throw new HttpFailure(400, 'invalid_request', `Unknown filter ${name}.`);
      }
      equal.push([name, value]);
    }
    return items.filter(
      (item) =>
        bounds.every((inside) => inside(item)) &&
        equal.every(([path, value]) => String(at(item, path)) === value),
    );
  }

  async function handle(
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
  ): Promise<[number, unknown]> {
    const segments = path
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent);
    const [first, second, third, fourth] = segments;
    if (first === 'webhooks' && second === undefined) {
      if (method === 'GET') return [200, pageOf(newestFirst(webhooks.values()).map(publicWebhook), query)];
      if (method === 'POST') {
        const fields = checkWebhookFields(body, true);
        if (webhooks.size >= webhookLimit) {
          throw new HttpFailure(
            422,
            'invalid_request',
            `You have reached the maximum number of webhooks (${webhookLimit}) for this account.`,
          );
        }
        const at = iso();
        const webhook: EmulatedWebhook = {
          id: newId(),
          url: String(fields.url),
          enabled: fields.enabled === undefined ? true : fields.enabled === true,
          events: fields.events as string[],
          ...(typeof fields.description === 'string' ? { description: fields.description } : {}),
          createdAt: at,
          updatedAt: at,
          secret: randomBytes(24).toString('base64url'),
        };
        webhooks.set(webhook.id, webhook);
        return [201, webhook];
      }
      throw new HttpFailure(405, 'invalid_request', `${method} is not allowed on /webhooks.`);
    }
    if (first === 'webhooks' && second !== undefined && third === undefined) {
      const webhook = webhooks.get(second);
      if (webhook === undefined) throw new HttpFailure(404, 'resource_not_found', 'Webhook not found.');
      if (method === 'GET') return [200, publicWebhook(webhook)];
      if (method === 'POST') {
        const updated = {
          ...webhook,
          ...checkWebhookFields(body, false),
          updatedAt: iso(),
        } as EmulatedWebhook;
        webhooks.set(second, updated);
        return [200, publicWebhook(updated)];
      }
      if (method === 'DELETE') {
        webhooks.delete(second);
        return [204, undefined];
      }
      throw new HttpFailure(405, 'invalid_request', `${method} is not allowed on /webhooks/{id}.`);
    }
    if (method !== 'GET')
      throw new HttpFailure(405, 'invalid_request', `${method} is not allowed on /${first ?? ''}.`);
    if (first === 'auditLogs' && second === undefined) {
      return [200, pageOf(filtered(newestFirst(auditLogs), query, FILTERS.auditLogs, false), query)];
    }
    if (
      first === 'clients' &&
      second !== undefined &&
      (third === 'documents' || third === 'addresses') &&
      fourth === undefined
    ) {
      if (!objects.clients.has(second)) throw new HttpFailure(404, 'resource_not_found', 'Client not found.');
      const list = newestFirst(objects[third].values());
      return [200, pageOf(filtered(list, query, FILTERS[third], false, { clientId: second }), query)];
    }
    if (
      isResource(first) &&
      (first === 'checks' || first === 'clients' || first === 'workflowSessions') &&
      second === undefined
    ) {
      const list = newestFirst(objects[first].values());
      return [200, pageOf(filtered(list, query, FILTERS[first], first === 'clients'), query)];
    }
    if (isResource(first) && second !== undefined && third === undefined) {
      const object = objects[first].get(second);
      if (object === undefined) throw new HttpFailure(404, 'resource_not_found', 'Resource not found.');
      return [200, object];
    }
    throw new HttpFailure(404, 'resource_not_found', `No endpoint ${method} ${path}.`);
  }

  function failNext(count: number, status: number, failOptions: FailNextOptions = {}): void {
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`count must be a positive integer (got ${count}).`);
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`status must be a 4xx or 5xx status (got ${status}).`);
    }
    failures.push({ remaining: count, status, options: failOptions });
  }
  function disableWebhook(id: string): void {
    const webhook = webhooks.get(id);
    if (webhook === undefined) throw new Error(`No webhook ${id} to disable.`);
    webhooks.set(id, { ...webhook, enabled: false, updatedAt: iso() });
  }
  async function deliver<E extends { readonly type: string }>(event: E): Promise<DeliveryResult[]> {
    const body = JSON.stringify(event);
    const targets = [...webhooks.values()].filter(
      (w) => w.enabled && (w.events.includes('*') || w.events.includes(event.type)),
    );
    return Promise.all(
      targets.map(async (webhook): Promise<DeliveryResult> => {
        const signature = createHmac('sha256', webhook.secret).update(body).digest('hex');
        try {
          const answer = await fetch(webhook.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'complycube-signature': signature },
            body,
            signal: AbortSignal.timeout(15_000),
          });
          await answer.arrayBuffer();
          return { webhookId: webhook.id, url: webhook.url, status: answer.status };
        } catch (error) {
          return {
            webhookId: webhook.id,
            url: webhook.url,
            status: undefined,
            error: error instanceof Error ? error.message : String(error),
          };
        }
      }),
    );
  }

  /** The emulator's own control API (not ComplyCube's), for a test or simulator in another process. */
  async function controlRequest(method: string, path: string, body: unknown): Promise<[number, unknown]> {
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const disable = /^\/webhooks\/([^/]+)\/disable$/.exec(path);
    try {
      if (method === 'POST' && path === '/deliver') {
        if (typeof fields.type !== 'string') throw new Error('The body must be an event with a type.');
        return [200, { deliveries: await deliver(fields as { readonly type: string }) }];
      }
      if (method === 'POST' && disable?.[1] !== undefined) {
        disableWebhook(decodeURIComponent(disable[1]));
        return [204, undefined];
      }
      if (method === 'POST' && path === '/fail-next') {
        const { count, status, ...rest } = fields;
        failNext(Number(count), Number(status), rest as FailNextOptions);
        return [204, undefined];
      }
    } catch (error) {
      throw new HttpFailure(400, 'invalid_request', error instanceof Error ? error.message : String(error));
    }
    throw new HttpFailure(404, 'resource_not_found', `No control endpoint ${method} ${path}.`);
  }

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://emulator');
    const path = url.pathname.startsWith(`${API_PREFIX}/`)
      ? url.pathname.slice(API_PREFIX.length)
      : url.pathname;
    const header = request.headers.authorization;
    const key = typeof header === 'string' ? header : undefined;
    const keyKind: RecordedRequest['keyKind'] =
      key === undefined ? 'none' : !keys.has(key) ? 'unknown' : key.startsWith('live_') ? 'live' : 'test';
    let body: unknown;
    const answer = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      requests.push({ method, path, status, keyKind, at: now(), ...(body === undefined ? {} : { body }) });
      const text = payload === undefined ? '' : JSON.stringify(payload);
      response.writeHead(status, {
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      });
      response.end(text);
    };
    try {
      const raw = await readBody(request);
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new HttpFailure(400, 'invalid_request', 'The body is not valid JSON.');
        }
      }
      const control = url.pathname.startsWith(`${CONTROL_PREFIX}/`);
      if (!control && !url.pathname.startsWith(`${API_PREFIX}/`)) {
        throw new HttpFailure(404, 'resource_not_found', `The API lives under ${API_PREFIX}/.`);
      }
      if (key === undefined || !keys.has(key)) {
        // Never echo the key, not even in part.
        throw new HttpFailure(401, 'authentication_error', 'Invalid API key provided.');
      }
      if (control) {
        const [status, payload] = await controlRequest(
          method,
          url.pathname.slice(CONTROL_PREFIX.length),
          body,
        );
        answer(status, payload);
        return;
      }
      if (overRate(key)) throw new HttpFailure(429, 'rate_limit_error', 'Too many requests.');
      const failure = takeFailure(method, path);
      if (failure !== undefined && failure.options.afterHandling === true) {
        await handle(method, path, url.searchParams, body).catch(() => undefined);
      }
      if (failure !== undefined) {
        answer(
          failure.status,
          {
            type: failure.status === 429 ? 'rate_limit_error' : 'api_error',
            message: `Injected ${failure.status}.`,
          },
          failure.options.retryAfter === undefined ? {} : { 'retry-after': failure.options.retryAfter },
        );
        return;
      }
      const [status, payload] = await handle(method, path, url.searchParams, body);
      answer(status, payload);
    } catch (error) {
      if (error instanceof HttpFailure) {
        answer(error.status, { type: error.type, message: error.message });
        return;
      }
      answer(500, { type: 'api_error', message: 'Emulator failure.' });
    }
  }

  const server = createServer((request, response) => {
    void serve(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${hostInUrl}:${port}${API_PREFIX}`,
    apiKey: firstKey,
    get state(): EmulatorState {
      return structuredClone({
        webhooks: newestFirst(webhooks.values()),
        objects: {
          checks: newestFirst(objects.checks.values()),
          clients: newestFirst(objects.clients.values()),
          documents: newestFirst(objects.documents.values()),
          addresses: newestFirst(objects.addresses.values()),
          workflowSessions: newestFirst(objects.workflowSessions.values()),
        },
        auditLogs: newestFirst(auditLogs),
        requests,
      });
    },
    failNext,
    disableWebhook,
    createObject,
    updateObject,
    deleteObject,
    addAuditLog,
    deliver,
    async close(): Promise<void> {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function isResource(value: string | undefined): value is EmulatedResource {
  return (
    value === 'checks' ||
    value === 'clients' ||
    value === 'documents' ||
    value === 'addresses' ||
    value === 'workflowSessions'
  );
}

/** The value at a dotted path (`result.outcome`, `metadata.team`). */
function at(item: unknown, path: string): unknown {
  let value: unknown = item;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new HttpFailure(413, 'invalid_request', 'The body is too large.');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
