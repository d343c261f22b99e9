/**
 * A small typed client for ComplyCube's REST API on Node's global `fetch`.
 *
 * Why `fetch` rather than `node:https` or the official `@complycube/api` SDK: see docs/connect.md.
 * In short, `fetch` is built into Node ≥ 18 (no dependency, nothing to audit), takes an `AbortSignal`
 * for timeouts and cancellation, and reaches an `http://` loopback emulator the same way as the
 * real API. The SDK hard-codes its base URL, pulls in axios `^0.21` and drops list filters.
 *
 * Retry rule. Idempotent calls (every GET, DELETE, and the partial update, which sets fields to
 * given values) are retried on `429`, `5xx`, network errors and timeouts, with jittered exponential
 * back-off, `Retry-After` honoured. A create (`POST /webhooks`) is retried only when ComplyCube
 * certainly did not carry it out: a `429` (refused before acting) or a connection that was never
 * opened. After a timeout, a reset or a `5xx` the webhook may exist, and its secret (shown only in
 * the lost answer) with it: the error says `outcomeUnknown`, and the caller looks before creating
 * again (`functions/connect` removes a webhook it cannot have the secret of, then creates one).
 */
import { checkApiKey, redactKey } from './api-key.js';
import { backoffDelayMs, parseRetryAfterMs } from './backoff.js';
import { COMPLYCUBE_API_URL_ENV, resolveApiBaseUrl } from './base-url.js';
import {
  ComplyCubeAuthError,
  ComplyCubeConfigError,
  ComplyCubeNetworkError,
  ComplyCubeNotFoundError,
  ComplyCubeRateLimitError,
  ComplyCubeServerError,
  ComplyCubeValidationError,
  ComplyCubeWebhookLimitError,
} from './errors.js';
import { abortableSleep, DOCUMENTED_RATE_LIMITS, type Pacer, slidingWindowPacer } from './rate-limit.js';
import {
  type ApiObject,
  type CreatedWebhook,
  type ListableResource,
  type ListQuery,
  MAX_PAGE_SIZE,
  type Page,
  type PageQuery,
  type Webhook,
  type WebhookInput,
  type WebhookUpdate,
} from './types.js';

/** Why the client is about to try a request again. */
export interface RetryNotice {
  readonly method: string;
  readonly path: string;
  /** The retry about to happen: 1 for the first. */
  readonly retry: number;
  readonly delayMs: number;
  readonly reason: 'rate_limited' | 'server_error' | 'network';
  readonly status?: number;
}

export interface ComplyCubeClientOptions {
  /** `test_…` or `live_…`; surrounding white space is ignored. Never logged or put in a message. */
  readonly apiKey: string;
  /** @default process.env.COMPLYCUBE_API_URL, else https://api.complycube.com/v1 */
  readonly baseUrl?: string;
  /** Per attempt. @default 10_000 */
  readonly timeoutMs?: number;
  /** Attempts per call, the first included. @default 5 */
  readonly maxAttempts?: number;
  /** Back-off before retry n: random in [0, min(maxMs, baseMs × 2^(n-1))]. @default { baseMs: 250, maxMs: 8000 } */
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  /** A `Retry-After` longer than this ends the call with `ComplyCubeRateLimitError`. @default 30_000 */
  readonly maxRetryAfterMs?: number;
  /**
   * Requests per second this client starts at most; `false` for no pacing.
   * @default 5 for a `test_` key, 10 for a `live_` key (the documented limits)
   */
  readonly requestsPerSecond?: number | false;
  /** Share one pacer between clients using the same key. @default one per client */
  readonly pacer?: Pacer;
  /** Told before every retry (for a log line or a progress display); gets no key. */
  readonly onRetry?: (notice: RetryNotice) => void;
  readonly fetch?: typeof fetch;
  readonly random?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly now?: () => number;
}

export interface CallOptions {
  /** Cancels the call, retries and waits included. */
  readonly signal?: AbortSignal;
}

interface RequestSpec {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Safe to send twice: retried after a timeout, a reset or a 5xx. */
  readonly idempotent: boolean;
  /** A create answered 400/403/409/422 may mean the account's webhook limit. */
  readonly creatingWebhook?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * @example
 * const api = new ComplyCubeClient({ apiKey: process.env.COMPLYCUBE_API_KEY ?? '' });
 * const created = await api.createWebhook({ url, events: ['check.completed'], enabled: true });
 * for await (const page of api.pages('checks', { updatedAfter: since, pageSize: 1000 })) { … }
 */
export class ComplyCubeClient {
  /** The base URL in use, without a trailing slash. */
  readonly baseUrl: string;
  readonly keyKind: 'test' | 'live';
  private readonly key: string;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly pacer: Pacer | undefined;
  private readonly onRetry: ((notice: RetryNotice) => void) | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;

  constructor(options: ComplyCubeClientOptions) {
    const { key, kind } = checkApiKey(options.apiKey);
    this.key = key;
    this.keyKind = kind;
    this.baseUrl = resolveApiBaseUrl(options.baseUrl ?? process.env[COMPLYCUBE_API_URL_ENV]);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.backoffBaseMs = options.backoff?.baseMs ?? 250;
    this.backoffMaxMs = options.backoff?.maxMs ?? 8000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? abortableSleep;
    const perSecond = options.requestsPerSecond ?? DOCUMENTED_RATE_LIMITS[kind];
    this.pacer =
      options.pacer ??
      (perSecond === false
        ? undefined
        : // The pacer measures its window on the clock it sleeps on: an injected `sleep` with the
          // pacer still reading real time would spin, or wait for real.
          slidingWindowPacer({
            perSecond,
            sleep: this.sleep,
            ...(options.now === undefined ? {} : { now: options.now }),
          }));
    this.onRetry = options.onRetry;
    this.fetchImpl = options.fetch ?? fetch;
    this.random = options.random ?? Math.random;
  }

  // --- Webhooks -------------------------------------------------------------------------------

  /** `POST /webhooks`. The answer carries the secret: store it now, it is never shown again. */
  async createWebhook(input: WebhookInput, options: CallOptions = {}): Promise<CreatedWebhook> {
    const body = { enabled: true, ...input, events: [...input.events] };
    const answer = await this.request({
      method: 'POST',
      path: '/webhooks',
      body,
      idempotent: false,
      creatingWebhook: true,
      signal: options.signal,
    });
    const webhook = parseWebhook(answer, 'POST /webhooks');
    const secret = isRecord(answer) ? answer.secret : undefined;
    if (typeof secret !== 'string' || secret === '') {
      throw new ComplyCubeServerError(
        `ComplyCube created webhook ${webhook.id} but its answer holds no secret; delete it (DELETE /webhooks/${webhook.id}) and create it again.`,
        { method: 'POST', path: '/webhooks', outcomeUnknown: false },
      );
    }
    return { ...webhook, secret };
  }

  /** `GET /webhooks/{id}`; `ComplyCubeNotFoundError` when it does not exist. */
  async getWebhook(id: string, options: CallOptions = {}): Promise<Webhook> {
    const path = `/webhooks/${encodeURIComponent(id)}`;
    return parseWebhook(
      await this.request({ method: 'GET', path, idempotent: true, signal: options.signal }),
      `GET ${path}`,
    );
  }

  /** `POST /webhooks/{id}`: a partial update, fields left out stay as they are. */
  async updateWebhook(id: string, update: WebhookUpdate, options: CallOptions = {}): Promise<Webhook> {
    const path = `/webhooks/${encodeURIComponent(id)}`;
    const body = update.events === undefined ? { ...update } : { ...update, events: [...update.events] };
    return parseWebhook(
      await this.request({ method: 'POST', path, body, idempotent: true, signal: options.signal }),
      `POST ${path}`,
    );
  }

  /** `DELETE /webhooks/{id}`; `ComplyCubeNotFoundError` when it does not exist. */
  async deleteWebhook(id: string, options: CallOptions = {}): Promise<void> {
    const path = `/webhooks/${encodeURIComponent(id)}`;
    await this.request({ method: 'DELETE', path, idempotent: true, signal: options.signal });
  }

  /** `GET /webhooks`, one page. */
  async listWebhooks(
    query: Pick<PageQuery, 'page' | 'pageSize'> = {},
    options: CallOptions = {},
  ): Promise<Page<Webhook>> {
    const answer = await this.request({
      method: 'GET',
      path: '/webhooks',
      query: pageParameters(query),
      idempotent: true,
      signal: options.signal,
    });
    return parsePage(answer, 'GET /webhooks', (item) => parseWebhook(item, 'GET /webhooks'));
  }

  /** Every webhook of the account (at most 20), across pages. */
  async allWebhooks(options: CallOptions = {}): Promise<Webhook[]> {
    const all: Webhook[] = [];
    for await (const page of paginate((page) => this.listWebhooks({ page, pageSize: 100 }, options))) {
      all.push(...page.items);
    }
    return all;
  }

  // --- Lists ----------------------------------------------------------------------------------

  /**
   * One page of a list endpoint, newest first, with its filters.
   *
   * @example
   * const page = await api.list('checks', { status: 'complete', updatedAfter: '2026-12-01T00:00:00Z' });
   */
  async list<R extends ListableResource>(
    resource: R,
    query: ListQuery<R>,
    options: CallOptions = {},
  ): Promise<Page<ApiObject>> {
    const { path, parameters } = listRequest(resource, query);
    const answer = await this.request({
      method: 'GET',
      path,
      query: parameters,
      idempotent: true,
      signal: options.signal,
    });
    return parsePage(answer, `GET ${path}`, (item) => parseApiObject(item, `GET ${path}`));
  }

  /**
   * Every page of a list from `query.page` (default 1) to the last, one request per page.
   * The list is newest first: an object created while the pages are read pushes the rest down, so
   * an item can appear twice (never missed); fix `createdBefore` to avoid it.
   */
  pages<R extends ListableResource>(
    resource: R,
    query: ListQuery<R>,
    options: CallOptions = {},
  ): AsyncIterable<Page<ApiObject>> {
    return paginate((page) => this.list(resource, { ...query, page }, options), query.page ?? 1);
  }

  // --- Transport ------------------------------------------------------------------------------

  private async request(spec: RequestSpec): Promise<unknown> {
    const url = new URL(this.baseUrl + spec.path);
    for (const [name, value] of Object.entries(spec.query ?? {})) url.searchParams.set(name, value);
    const where = { method: spec.method, path: spec.path };
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.maxAttempts;
      await this.pace(spec);
      const timeout = AbortSignal.timeout(this.timeoutMs);
      const signal = spec.signal === undefined ? timeout : AbortSignal.any([spec.signal, timeout]);
      let response: Response;
      let text: string;
      try {
        response = await this.fetchImpl(url, {
          method: spec.method,
          headers: {
            Authorization: this.key,
            Accept: 'application/json',
            ...(spec.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          },
          body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
          redirect: 'manual',
          signal,
        });
        text = await response.text();
      } catch (error) {
        if (spec.signal?.aborted) {
          throw new ComplyCubeNetworkError(`${spec.method} ${spec.path} was cancelled.`, {
            ...where,
            cause: error,
            aborted: true,
            outcomeUnknown: !spec.idempotent,
          });
        }
        const neverSent = connectionNeverOpened(error);
        const timedOut = timeout.aborted;
        const reason = timedOut
          ? `no answer within ${this.timeoutMs} ms`
          : `the connection failed (${describeNetworkError(error)})`;
        if ((spec.idempotent || neverSent) && !last) {
          await this.waitBeforeRetry(spec, attempt, this.backoff(attempt), 'network');
          continue;
        }
        throw new ComplyCubeNetworkError(
          `${spec.method} ${spec.path} to ${url.origin}: ${reason}. ` +
            (spec.idempotent || neverSent
              ? `Tried ${attempt} times; check the network path to ComplyCube (${COMPLYCUBE_API_URL_ENV} if you use a proxy) and try again.`
              : 'It may or may not have been carried out: look before trying again.'),
          { ...where, cause: error, outcomeUnknown: !spec.idempotent && !neverSent },
        );
      }
      const status = response.status;
      if (status >= 200 && status < 300) return parseJson(text, spec);
      const apiMessage = apiMessageOf(text, this.key);
      const context = { ...where, status, apiMessage };
      if (status === 429) {
        const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), this.now());
        if (retryAfterMs !== undefined && retryAfterMs > this.maxRetryAfterMs) {
          throw new ComplyCubeRateLimitError(
            `ComplyCube's rate limit refused ${spec.method} ${spec.path} and asks to wait ${Math.ceil(retryAfterMs / 1000)} s, longer than this client waits; try again later.`,
            { ...context, retryAfterMs },
          );
        }
        if (!last) {
          // Refused before it was carried out: safe to send again, a create included.
          await this.waitBeforeRetry(
            spec,
            attempt,
            retryAfterMs ?? this.backoff(attempt),
            'rate_limited',
            429,
          );
          continue;
        }
        throw new ComplyCubeRateLimitError(
          `ComplyCube's rate limit (${DOCUMENTED_RATE_LIMITS[this.keyKind]} requests/s for a ${this.keyKind}_ key) still refused ${spec.method} ${spec.path} after ${attempt} attempts. Something else is using this API key at the same time; try again later or spread the calls out.`,
          { ...context, retryAfterMs },
        );
      }
      if (status >= 500) {
        if (spec.idempotent && !last) {
          await this.waitBeforeRetry(spec, attempt, this.backoff(attempt), 'server_error', status);
          continue;
        }
        throw new ComplyCubeServerError(
          `ComplyCube answered ${spec.method} ${spec.path} with ${status}${apiMessage === undefined ? '' : ` (${apiMessage})`}. ` +
            (spec.idempotent
              ? `Tried ${attempt} times; ComplyCube may be having trouble, try again later.`
              : 'It may or may not have been carried out: look before trying again.'),
          { ...context, outcomeUnknown: !spec.idempotent },
        );
      }
      throw this.clientError(spec, context);
    }
  }

  private clientError(
    spec: RequestSpec,
    context: { method: string; path: string; status: number; apiMessage: string | undefined },
  ): Error {
    const { status, apiMessage } = context;
    const said = apiMessage === undefined ? '' : `: "${apiMessage}"`;
    if (
      spec.creatingWebhook &&
      [400, 403, 409, 422].includes(status) &&
      apiMessage !== undefined &&
      /\b20\b|limit|maximum|too many/i.test(apiMessage)
    ) {
      return new ComplyCubeWebhookLimitError(
        `ComplyCube refused to create another webhook (${status}${said}): an account has at most 20. Delete one you no longer use (npx complycube-webhooks status lists them) and try again.`,
        context,
      );
    }
    if (status === 401) {
      return new ComplyCubeAuthError(
        `ComplyCube refused the API key (401${said}). The key is wrong, revoked, or for the other environment (a test_ key works only in the sandbox, a live_ key only live). Put a valid key where this command reads it.`,
        context,
      );
    }
    if (status === 403) {
      return new ComplyCubeAuthError(
        `ComplyCube accepted the API key but refused ${spec.method} ${spec.path} (403${said}). Use a key whose role may manage webhooks and read what is listed.`,
        context,
      );
    }
    if (status === 404) {
      return new ComplyCubeNotFoundError(`ComplyCube has no ${spec.path} (404${said}).`, context);
    }
    if (status === 400 || status === 422) {
      return new ComplyCubeValidationError(
        `ComplyCube refused ${spec.method} ${spec.path} (${status})${said === '' ? '.' : `${said}.`} Fix the value it names and try again.`,
        context,
      );
    }
    return new ComplyCubeServerError(
      `ComplyCube answered ${spec.method} ${spec.path} with an unexpected ${status}${said}.`,
      { ...context, outcomeUnknown: false },
    );
  }

  private async pace(spec: RequestSpec): Promise<void> {
    try {
      spec.signal?.throwIfAborted();
      await this.pacer?.take(spec.signal);
    } catch (error) {
      throw new ComplyCubeNetworkError(`${spec.method} ${spec.path} was cancelled.`, {
        method: spec.method,
        path: spec.path,
        cause: error,
        aborted: true,
        outcomeUnknown: false,
      });
    }
  }

  private backoff(attempt: number): number {
    return backoffDelayMs(attempt, {
      baseMs: this.backoffBaseMs,
      maxMs: this.backoffMaxMs,
      random: this.random,
    });
  }

  private async waitBeforeRetry(
    spec: RequestSpec,
    attempt: number,
    delayMs: number,
    reason: RetryNotice['reason'],
    status?: number,
  ): Promise<void> {
    this.onRetry?.({
      method: spec.method,
      path: spec.path,
      retry: attempt,
      delayMs,
      reason,
      ...(status === undefined ? {} : { status }),
    });
    try {
      await this.sleep(delayMs, spec.signal);
    } catch (error) {
      throw new ComplyCubeNetworkError(`${spec.method} ${spec.path} was cancelled.`, {
        method: spec.method,
        path: spec.path,
        cause: error,
        aborted: true,
        outcomeUnknown: !spec.idempotent,
      });
    }
  }
}

/**
 * Every page from `first` to the last, asking for one page at a time.
 *
 * @example
 * for await (const page of paginate((page) => api.listWebhooks({ page }))) console.log(page.items);
 */
export async function* paginate<T>(
  fetchPage: (page: number) => Promise<Page<T>>,
  first = 1,
): AsyncGenerator<Page<T>, void, undefined> {
  for (let page = first; ; page++) {
    const answer = await fetchPage(page);
    yield answer;
    if (answer.items.length === 0 || page >= answer.pages) return;
  }
}

// --- Helpers ----------------------------------------------------------------------------------

const TIME_FILTERS = ['createdAfter', 'createdBefore', 'updatedAfter', 'updatedBefore'] as const;

function pageParameters(query: PageQuery): Record<string, string> {
  const parameters: Record<string, string> = {};
  if (query.page !== undefined) {
    if (!Number.isInteger(query.page) || query.page < 1) {
      throw new ComplyCubeConfigError(`page must be a whole number from 1 (got ${query.page}).`);
    }
    parameters.page = String(query.page);
  }
  if (query.pageSize !== undefined) {
    if (!Number.isInteger(query.pageSize) || query.pageSize < 1 || query.pageSize > MAX_PAGE_SIZE) {
      throw new ComplyCubeConfigError(
        `pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE} (got ${query.pageSize}).`,
      );
    }
    parameters.pageSize = String(query.pageSize);
  }
  for (const name of TIME_FILTERS) {
    const value = query[name];
    if (value === undefined) continue;
    const date = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(date.getTime())) {
      throw new ComplyCubeConfigError(`${name} must be a date or an ISO 8601 time (got ${String(value)}).`);
    }
    parameters[name] = date.toISOString();
  }
  return parameters;
}

const PAGE_KEYS = new Set<string>(['page', 'pageSize', ...TIME_FILTERS]);

function listRequest<R extends ListableResource>(
  resource: R,
  query: ListQuery<R>,
): { path: string; parameters: Record<string, string> } {
  const parameters = pageParameters(query);
  let path = `/${resource}`;
  let perClient: string | undefined;
  if (resource === 'documents' || resource === 'addresses') {
    const clientId = (query as Record<string, unknown>).clientId;
    if (typeof clientId !== 'string' || clientId === '') {
      throw new ComplyCubeConfigError(`${resource} are listed per client: give a clientId.`);
    }
    perClient = clientId;
    path = `/clients/${encodeURIComponent(clientId)}/${resource}`;
  }
  for (const [name, value] of Object.entries(query)) {
    if (PAGE_KEYS.has(name) || value === undefined) continue;
    if (perClient !== undefined && name === 'clientId') continue;
    if (typeof value !== 'string') {
      throw new ComplyCubeConfigError(`The filter ${name} must be a string (got ${typeof value}).`);
    }
    parameters[name] = value;
  }
  return { path, parameters };
}

function parseJson(text: string, spec: RequestSpec): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ComplyCubeServerError(
      `ComplyCube answered ${spec.method} ${spec.path} with something that is not JSON; is ${COMPLYCUBE_API_URL_ENV} pointing at the API?`,
      { method: spec.method, path: spec.path, cause: error, outcomeUnknown: !spec.idempotent },
    );
  }
}

/** ComplyCube's error `message` (or the body's start), the key redacted, at most 300 characters. */
function apiMessageOf(text: string, key: string): string | undefined {
  let message: string | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed) && typeof parsed.message === 'string') message = parsed.message;
  } catch {
    message = text.trim() === '' ? undefined : text.trim();
  }
  if (message === undefined) return undefined;
  const clean = redactKey(message, key).replace(/\s+/g, ' ');
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}

function connectionNeverOpened(error: unknown): boolean {
  const codes = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'];
  for (let cause: unknown = error, depth = 0; cause !== undefined && depth < 5; depth++) {
    if (isRecord(cause) && typeof cause.code === 'string' && codes.includes(cause.code)) return true;
    cause = isRecord(cause) || cause instanceof Error ? (cause as { cause?: unknown }).cause : undefined;
  }
  return false;
}

function describeNetworkError(error: unknown): string {
  for (let cause: unknown = error, depth = 0; cause !== undefined && depth < 5; depth++) {
    if (isRecord(cause) && typeof cause.code === 'string') return cause.code;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return error instanceof Error ? error.message : String(error);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unexpected(where: string, what: string): ComplyCubeServerError {
  return new ComplyCubeServerError(
    `ComplyCube's answer to ${where} is not what the API documents: ${what}.`,
    {
      outcomeUnknown: false,
    },
  );
}

/** Reads a webhook from an answer, dropping any `secret` (only `createWebhook` returns it). */
export function parseWebhook(value: unknown, where: string): Webhook {
  if (!isRecord(value)) throw unexpected(where, 'no webhook object');
  const { id, url, enabled, events, description, createdAt, updatedAt } = value;
  if (typeof id !== 'string' || typeof url !== 'string')
    throw unexpected(where, 'a webhook without id or url');
  // The update page of the docs types `enabled` as a string; accept "true"/"false" too.
  const on = enabled === true || enabled === 'true';
  if (typeof enabled !== 'boolean' && enabled !== 'true' && enabled !== 'false') {
    throw unexpected(where, `webhook ${id} has no enabled flag`);
  }
  const list = typeof events === 'string' ? [events] : events;
  if (!Array.isArray(list) || !list.every((e): e is string => typeof e === 'string')) {
    throw unexpected(where, `webhook ${id} has no events list`);
  }
  return {
    id,
    url,
    enabled: on,
    events: list,
    ...(typeof description === 'string' ? { description } : {}),
    ...(typeof createdAt === 'string' ? { createdAt } : {}),
    ...(typeof updatedAt === 'string' ? { updatedAt } : {}),
  };
}

function parseApiObject(value: unknown, where: string): ApiObject {
  if (!isRecord(value) || typeof value.id !== 'string' || typeof value.createdAt !== 'string') {
    throw unexpected(where, 'an item without id or createdAt');
  }
  return value as ApiObject;
}

function parsePage<T>(value: unknown, where: string, parseItem: (item: unknown) => T): Page<T> {
  if (!isRecord(value)) throw unexpected(where, 'no page object');
  const { page, pageSize, totalItems, pages, items } = value;
  if (
    typeof page !== 'number' ||
    typeof pageSize !== 'number' ||
    typeof totalItems !== 'number' ||
    typeof pages !== 'number' ||
    !Array.isArray(items)
  ) {
    throw unexpected(where, 'a page without page, pageSize, totalItems, pages and items');
  }
  return { page, pageSize, totalItems, pages, items: items.map(parseItem) };
}
