/**
 * A small soak inside `npm test` (the long one is `npm run soak`): mixed event types, 10%
 * duplicates of which some concurrent, shuffled order, and faults at every step of the receive
 * path. Nothing may be lost, nothing published twice outside the documented window.
 */
import { describe, expect, it } from 'vitest';
import { runSoak, summaryLine } from '../simulator/soak-run.js';

describe('soak', () => {
  it('delivers every event exactly once through duplicates, reordering and injected faults', async () => {
    const result = await runSoak({ events: 150, faultRate: 0.06, seed: 7 });

    console.info(summaryLine(result));
    for (const { id, log } of result.unexplained)
      console.info(`on the bus twice outside the window: ${id}\n${log.join('\n')}`);
    expect(Object.values(result.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(result.report.deliveries).toBeGreaterThan(result.sent);
    expect(result.report.gaveUp).toBe(0);
    expect(result.lost).toBe(0);
    expect(result.publishedTwice).toBe(0);
    expect(result.onBus).toBe(result.sent);
    expect(summaryLine(result)).toMatch(
      /^soak: 150 sent, 150 on bus, 0 lost, 0 published twice, \d+ retries, p50 \d+ ms, p99 \d+ ms/,
    );
  }, 180_000);
});
