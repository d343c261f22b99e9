import { describe, expect, it } from 'vitest';
import { WATCH_METRIC } from '../../functions/catch-up/core/metrics.js';
import { watchMetrics } from '../../functions/webhook-watch/core/metrics.js';
import type {
  CatchUpStart,
  ProbeResult,
  WatchedWebhook,
  WatchState,
} from '../../functions/webhook-watch/core/ports.js';
import {
  type WatchConfig,
  type WatchDependencies,
  watchOnce,
} from '../../functions/webhook-watch/core/watch.js';
import { FakeClock } from '../helpers/fakes.js';

const URL_ = 'https://abc.lambda-url.eu-west-1.on.aws/';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

class Fixture {
  readonly clock = new FakeClock();
  webhooks: WatchedWebhook[] = [{ id: 'wh1', url: URL_, enabled: true, events: ['check.completed'] }];
  probeResult: ProbeResult = { healthy: true, status: 401, detail: 'ok' };
  probes = 0;
  enables: string[] = [];
  started: CatchUpStart[] = [];
  failStart = 0;
  state: WatchState | undefined;
  readonly config: WatchConfig = {
    receiverUrl: URL_,
    requiredEventTypes: ['check.completed'],
    lookbackMs: 36 * HOUR,
    maxWindowMs: 30 * 24 * HOUR,
  };

  deps(): WatchDependencies {
    return {
      clock: this.clock,
      api: {
        get: async (id) => this.webhooks.find((w) => w.id === id),
        list: async () => this.webhooks,
        enable: async (id) => {
          this.enables.push(id);
          const index = this.webhooks.findIndex((w) => w.id === id);
          const webhook = { ...(this.webhooks[index] as WatchedWebhook), enabled: true };
          this.webhooks[index] = webhook;
          return webhook;
        },
      },
      probe: {
        probe: async () => {
          this.probes++;
          return this.probeResult;
        },
      },
      catchUp: {
        start: async (request) => {
          if (this.failStart > 0) {
            this.failStart--;
            throw new Error('Lambda Invoke failed');
          }
          this.started.push(request);
        },
      },
      state: {
        load: async () => this.state,
        save: async (state) => {
          this.state = structuredClone(state);
        },
      },
    };
  }

  run(config: Partial<WatchConfig> = {}) {
    return watchOnce({ ...this.config, ...config }, this.deps());
  }

  disable(): void {
    this.webhooks = this.webhooks.map((w) => ({ ...w, enabled: false }));
  }
}

describe('webhook watch', () => {
  it('records when it last saw the webhook enabled, and does nothing else', async () => {
    const f = new Fixture();

    const report = await f.run();

    expect(report).toMatchObject({ webhook: 'enabled', urlMatches: true, reEnabled: false });
    expect(f.state?.lastSeenEnabledAt).toBe(f.clock.now());
    expect(f.probes).toBe(0);
    expect(f.started).toEqual([]);
    expect(watchMetrics(report)[WATCH_METRIC.webhookEnabled]).toBe(1);
  });

  it('re-enables a disabled webhook once the receiver is healthy and catches up the gap', async () => {
    const f = new Fixture();
    await f.run();
    const lastSeen = f.clock.now();
    f.clock.advance(40 * HOUR);
    f.disable();

    const report = await f.run();

    expect(report).toMatchObject({ webhook: 'disabled', reEnabled: true });
    expect(f.enables).toEqual(['wh1']);
    expect(f.started).toEqual([
      {
        since: new Date(lastSeen - 36 * HOUR).toISOString(),
        until: new Date(f.clock.now()).toISOString(),
        reason: expect.stringContaining('re-enabled'),
      },
    ]);
    // The alarm sees the webhook found disabled, and that the run fixed it.
    expect(watchMetrics(report)).toMatchObject({
      [WATCH_METRIC.webhookEnabled]: 0,
      [WATCH_METRIC.webhookReEnabled]: 1,
    });
    expect(f.state).toMatchObject({ disabledSince: undefined, pendingCatchUp: undefined });
  });

  it('leaves the webhook off while the receiver is unhealthy, and keeps the start of the gap', async () => {
    const f = new Fixture();
    await f.run();
    const lastSeen = f.clock.now();
    f.disable();
    f.probeResult = { healthy: false, status: 503, detail: 'secret not set' };
    f.clock.advance(5 * MINUTE);

    const sick = await f.run();
    f.clock.advance(5 * MINUTE);
    f.probeResult = { healthy: true, status: 401, detail: 'ok' };
    const healed = await f.run();

    expect(sick).toMatchObject({ reEnabled: false, leftDisabledBecause: 'receiver_unhealthy' });
    expect(watchMetrics(sick)[WATCH_METRIC.receiverProbeFailures]).toBe(1);
    expect(healed.reEnabled).toBe(true);
    expect(f.started[0]?.since).toBe(new Date(lastSeen - 36 * HOUR).toISOString());
  });

  it('does not re-enable when told not to, but still alarms', async () => {
    const f = new Fixture();
    f.disable();

    const report = await f.run({ reEnable: false });

    expect(report).toMatchObject({ reEnabled: false, leftDisabledBecause: 'reenable_off' });
    expect(f.enables).toEqual([]);
    expect(watchMetrics(report)[WATCH_METRIC.webhookEnabled]).toBe(0);
  });

  it('never re-enables a webhook that points somewhere else', async () => {
    const f = new Fixture();
    f.webhooks = [{ id: 'wh1', url: 'https://elsewhere.example/', enabled: false, events: ['*'] }];

    const report = await f.run({ webhookId: 'wh1' });

    expect(report).toMatchObject({ urlMatches: false, leftDisabledBecause: 'points_elsewhere' });
    expect(f.enables).toEqual([]);
    expect(watchMetrics(report)[WATCH_METRIC.webhookUrlMismatch]).toBe(1);
  });

  it('counts the types the subscriptions need that the webhook does not send', async () => {
    const f = new Fixture();

    const report = await f.run({ requiredEventTypes: ['check.completed', 'client.updated', 'check.failed'] });

    expect(report.missingEventTypes).toEqual(['client.updated', 'check.failed']);
    expect(watchMetrics(report)[WATCH_METRIC.webhookEventsMissing]).toBe(2);
  });

  it('reports a missing webhook, and finds one by URL when the stored id is gone', async () => {
    const f = new Fixture();
    f.webhooks = [];
    const missing = await f.run({ webhookId: 'gone' });
    f.webhooks = [{ id: 'wh2', url: URL_.replace(/\/$/, ''), enabled: true, events: ['*'] }];

    const found = await f.run({ webhookId: 'gone' });

    expect(watchMetrics(missing)[WATCH_METRIC.webhookMissing]).toBe(1);
    expect(found).toMatchObject({ webhook: 'enabled', webhookId: 'wh2' });
    // It was missing for a while: that gap is caught up too.
    expect(f.started).toHaveLength(1);
  });

  it('catches up a gap that someone else closed by turning the webhook back on', async () => {
    const f = new Fixture();
    await f.run();
    f.disable();
    await f.run({ reEnable: false });
    f.webhooks = f.webhooks.map((w) => ({ ...w, enabled: true }));

    const report = await f.run({ reEnable: false });

    expect(report.catchUpStarted?.reason).toContain('enabled again');
    expect(f.enables).toEqual([]);
  });

  it('keeps a catch-up it could not start and starts it on the next run', async () => {
    const f = new Fixture();
    await f.run();
    f.disable();
    f.failStart = 1;

    const first = await f.run();
    const second = await f.run();

    expect(first.catchUpStartError).toContain('Lambda Invoke failed');
    expect(watchMetrics(first)[WATCH_METRIC.catchUpStartFailures]).toBe(1);
    expect(second.catchUpStarted).toEqual(first.catchUpStarted ?? f.started[0]);
    expect(f.started).toHaveLength(1);
    expect(f.state?.pendingCatchUp).toBeUndefined();
  });

  it('never reaches further back than the retention', async () => {
    const f = new Fixture();
    await f.run();
    f.clock.advance(45 * 24 * HOUR);
    f.disable();

    await f.run();

    const since = Date.parse(f.started[0]?.since ?? '');
    expect(f.clock.now() - since).toBeLessThan(30 * 24 * HOUR);
  });
});
