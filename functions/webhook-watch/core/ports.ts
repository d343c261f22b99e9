/** What the watcher needs from the outside world; adapters implement these over the API, DynamoDB, HTTP and Lambda. */

/** A webhook as ComplyCube shows it (never with its secret). */
export interface WatchedWebhook {
  readonly id: string;
  readonly url: string;
  readonly enabled: boolean;
  /** Event types, or `["*"]` for every type. */
  readonly events: readonly string[];
}

/** The part of ComplyCube's webhook API the watcher uses. */
export interface WebhookApi {
  /** The webhook, or `undefined` when ComplyCube answers 404. */
  get(id: string): Promise<WatchedWebhook | undefined>;
  /** Every webhook of the account (at most 20). */
  list(): Promise<readonly WatchedWebhook[]>;
  /** The documented partial update `POST /webhooks/{id}` with `{"enabled": true}`. */
  enable(id: string): Promise<WatchedWebhook>;
}

/** Whether the receiver would take a delivery in now (see `decideHealth` in watch.ts). */
export interface ReceiverProbe {
  probe(): Promise<ProbeResult>;
}

export interface ProbeResult {
  readonly healthy: boolean;
  /** The HTTP status, or `undefined` when there was no answer. */
  readonly status: number | undefined;
  /** For the log line: what the answer means. */
  readonly detail: string;
}

/** Starts a catch-up of a window; resolves once it is started (it runs on its own). */
export interface CatchUpStarter {
  start(request: CatchUpStart): Promise<void>;
}

export interface CatchUpStart {
  readonly since: string;
  readonly until: string;
  readonly reason: string;
}

/** What the watcher remembers between runs. */
export interface WatchState {
  /** The webhook it watches, once found (by the configured id, else by URL). */
  readonly webhookId?: string;
  /** The last time it saw the webhook enabled: a gap begins after it. */
  readonly lastSeenEnabledAt?: number;
  /** The first time it saw the webhook disabled (or missing) since it was last enabled. */
  readonly disabledSince?: number;
  /** When it last re-enabled the webhook. */
  readonly lastReEnabledAt?: number;
  /** A catch-up decided on but not yet started (a crash between the two is retried on the next run). */
  readonly pendingCatchUp?: CatchUpStart;
  /** The last catch-up it started. */
  readonly lastCatchUp?: CatchUpStart & { readonly startedAt: number };
}

export interface WatchStateStore {
  load(): Promise<WatchState | undefined>;
  save(state: WatchState): Promise<void>;
}
