import { describe, expect, it } from 'vitest';
import { retryDelaysMs, SENDER_PROVIDERS } from '../../cli/commands/send/providers.js';
import { COMPLYCUBE_RETRY_DELAYS_SECONDS } from '../../fixtures/complycube-retry-schedule.js';

describe("the providers' retry schedules", () => {
  it('ComplyCube: the documented 60 s, 120 s, 480 s, then doubling, 10 retries in all', () => {
    expect(COMPLYCUBE_RETRY_DELAYS_SECONDS.slice(0, 3)).toEqual([60, 120, 480]);
    expect(COMPLYCUBE_RETRY_DELAYS_SECONDS).toHaveLength(10);
    for (let i = 3; i < COMPLYCUBE_RETRY_DELAYS_SECONDS.length; i++) {
      expect(COMPLYCUBE_RETRY_DELAYS_SECONDS[i]).toBe(2 * (COMPLYCUBE_RETRY_DELAYS_SECONDS[i - 1] ?? 0));
    }
    expect(SENDER_PROVIDERS.complycube?.retryDelaysSeconds).toBe(COMPLYCUBE_RETRY_DELAYS_SECONDS);
  });

  it('Compliancely: two more attempts, after 3 and 6 minutes', () => {
    expect(SENDER_PROVIDERS.compliancely?.retryDelaysSeconds).toEqual([180, 360]);
  });

  it('compresses by the time scale and cuts to the number of retries', () => {
    expect(retryDelaysMs(COMPLYCUBE_RETRY_DELAYS_SECONDS, 1, 10)[0]).toBe(60_000);
    expect(retryDelaysMs(COMPLYCUBE_RETRY_DELAYS_SECONDS, 0.01, 3)).toEqual([600, 1_200, 4_800]);
    expect(retryDelaysMs(COMPLYCUBE_RETRY_DELAYS_SECONDS, 0.5, 0)).toEqual([]);
  });
});
