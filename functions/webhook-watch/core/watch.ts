/**
 * One run of the webhook watcher: find this receiver's webhook in ComplyCube, judge it, remember
 * when it was last enabled, and after ComplyCube has disabled it, turn it back on once the
 * receiver is healthy and start a catch-up of the gap.
 *
 * The gap: ComplyCube disables a webhook after a delivery failed its tenth retry, about 34 hours
 * after the first attempt, so a delivery that failed that long before the watcher last saw the
 * webhook enabled may never have arrived. The catch-up therefore starts `lookbackMs` before that
 * moment and ends when the webhook is enabled again; the ledger keeps it from publishing a change
 * twice (docs/catch-up.md).
 */
import type { Clock } from '../../receiver/core/clock.js';
import type {
  CatchUpStart,
  CatchUpStarter,
  ProbeResult,
  ReceiverProbe,
  WatchedWebhook,
  WatchState,
  WatchStateStore,
  WebhookApi,
} from './ports.js';

export interface WatchConfig {
  /** The receiver's function URL: the webhook must point here. */
  readonly receiverUrl: string;
  /** The webhook's id if known (from the connect step); else it is found by URL. */
  readonly webhookId?: string;
  /** The exact types the subscriptions need, or `'*'` for every type. */
  readonly requiredEventTypes: readonly string[] | '*';
  /** Turn a disabled webhook back on when the receiver is healthy. @default true */
  readonly reEnable?: boolean;
  /** How far before the last moment seen enabled a catch-up starts, in ms. */
  readonly lookbackMs: number;
  /** How far back a catch-up may reach at all (the idempotency retention), in ms. */
  readonly maxWindowMs: number;
}

export interface WatchDependencies {
  readonly api: WebhookApi;
  readonly probe: ReceiverProbe;
  readonly catchUp: CatchUpStarter;
  readonly state: WatchStateStore;
  readonly clock: Clock;
}

export type WebhookCondition = 'enabled' | 'disabled' | 'missing';

/** What one run saw and did; the handler turns it into metrics and a log line. */
export interface WatchReport {
  readonly webhook: WebhookCondition;
  readonly webhookId: string | undefined;
  /** False when the webhook points somewhere other than this receiver. */
  readonly urlMatches: boolean;
  /** Types the subscriptions need that the webhook does not send. */
  readonly missingEventTypes: readonly string[];
  /** Present when the receiver was probed (only while the webhook is disabled). */
  readonly probe?: ProbeResult;
  readonly reEnabled: boolean;
  /** The catch-up started by this run, if any. */
  readonly catchUpStarted?: CatchUpStart;
  /** Set when starting a catch-up failed; the next run tries again. */
  readonly catchUpStartError?: string;
  /** Since when the webhook has been seen disabled or missing, ISO. */
  readonly disabledSince?: string;
  /** Why a disabled webhook was left off. */
  readonly leftDisabledBecause?: 'reenable_off' | 'receiver_unhealthy' | 'points_elsewhere';
}

/** `https://x/` and `https://x` are one URL. */
export function sameUrl(a: string, b: string): boolean {
  const norm = (u: string): string => u.trim().replace(/\/+$/, '');
  return norm(a) === norm(b);
}

/** The required types a webhook's event list does not cover. */
export function missingTypes(webhook: WatchedWebhook, required: readonly string[] | '*'): string[] {
  if (webhook.events.includes('*')) return [];
  if (required === '*') return ['*'];
  return required.filter((type) => !webhook.events.includes(type));
}

async function findWebhook(
  deps: WatchDependencies,
  config: WatchConfig,
  state: WatchState,
): Promise<WatchedWebhook | undefined> {
  const id = state.webhookId ?? config.webhookId;
  if (id !== undefined) {
    const byId = await deps.api.get(id);
    if (byId !== undefined) return byId;
  }
  const all = await deps.api.list();
  return all.find((w) => sameUrl(w.url, config.receiverUrl));
}

/** Runs once. Throws only when ComplyCube or the state store cannot be read (the run is then retried by the schedule). */
export async function watchOnce(config: WatchConfig, deps: WatchDependencies): Promise<WatchReport> {
  const now = deps.clock.now();
  let state: WatchState = (await deps.state.load()) ?? {};
  const webhook = await findWebhook(deps, config, state);

  // A catch-up decided on by an earlier run that could not start it.
  let pending = state.pendingCatchUp;

  if (webhook === undefined) {
    state = { ...state, disabledSince: state.disabledSince ?? now };
    const report: WatchReport = {
      webhook: 'missing',
      webhookId: undefined,
      urlMatches: false,
      missingEventTypes: [],
      reEnabled: false,
      disabledSince: new Date(state.disabledSince ?? now).toISOString(),
    };
    return finish(report, state, pending, deps);
  }

  state = { ...state, webhookId: webhook.id };
  const urlMatches = sameUrl(webhook.url, config.receiverUrl);
  const missingEventTypes = missingTypes(webhook, config.requiredEventTypes);
  const base = { webhookId: webhook.id, urlMatches, missingEventTypes };

  if (webhook.enabled) {
    if (state.disabledSince !== undefined) {
      // Someone (a person, the connect step) turned it back on since: the gap still needs its catch-up.
      pending = gapCatchUp(state, config, now, 'webhook found enabled again after a gap');
    }
    state = { ...state, lastSeenEnabledAt: now, disabledSince: undefined, pendingCatchUp: pending };
    return finish({ webhook: 'enabled', ...base, reEnabled: false }, state, pending, deps);
  }

  state = { ...state, disabledSince: state.disabledSince ?? now };
  const disabledSince = new Date(state.disabledSince ?? now).toISOString();
  const disabled = { webhook: 'disabled' as const, ...base, disabledSince };
  if (config.reEnable === false) {
    return finish(
      { ...disabled, reEnabled: false, leftDisabledBecause: 'reenable_off' },
      state,
      pending,
      deps,
    );
  }
  if (!urlMatches) {
    // Turning it on would send this account's events somewhere else.
    return finish(
      { ...disabled, reEnabled: false, leftDisabledBecause: 'points_elsewhere' },
      state,
      pending,
      deps,
    );
  }
  const probe = await deps.probe.probe();
  if (!probe.healthy) {
    return finish(
      { ...disabled, probe, reEnabled: false, leftDisabledBecause: 'receiver_unhealthy' },
      state,
      pending,
      deps,
    );
  }
  await deps.api.enable(webhook.id);
  const enabledAt = deps.clock.now();
  pending = gapCatchUp(state, config, enabledAt, 'webhook re-enabled after ComplyCube disabled it');
  state = {
    ...state,
    lastSeenEnabledAt: enabledAt,
    lastReEnabledAt: enabledAt,
    disabledSince: undefined,
    pendingCatchUp: pending,
  };
  return finish({ ...disabled, probe, reEnabled: true }, state, pending, deps);
}

/** The window of a gap: from `lookback` before the webhook was last seen enabled, to `until`. */
export function gapCatchUp(
  state: WatchState,
  config: WatchConfig,
  until: number,
  reason: string,
): CatchUpStart {
  const lastGood = state.lastSeenEnabledAt ?? state.disabledSince ?? until;
  // A minute inside the retention, so the catch-up's own check (against a later clock) accepts it.
  const oldest = until - config.maxWindowMs + 60_000;
  const since = Math.max(lastGood - config.lookbackMs, oldest);
  return { since: new Date(since).toISOString(), until: new Date(until).toISOString(), reason };
}

/**
 * Saves the state with the pending catch-up first, then starts it, then forgets it: a crash in
 * between leaves it pending, and the next run starts it again (the ledger makes a second start of
 * the same window harmless).
 */
async function finish(
  report: WatchReport,
  state: WatchState,
  pending: CatchUpStart | undefined,
  deps: WatchDependencies,
): Promise<WatchReport> {
  const withPending: WatchState = { ...state, pendingCatchUp: pending };
  await deps.state.save(withPending);
  if (pending === undefined) return report;
  try {
    await deps.catchUp.start(pending);
  } catch (error) {
    return { ...report, catchUpStartError: error instanceof Error ? error.message : String(error) };
  }
  await deps.state.save({
    ...withPending,
    pendingCatchUp: undefined,
    lastCatchUp: { ...pending, startedAt: deps.clock.now() },
  });
  return { ...report, catchUpStarted: pending };
}
