import { describe, expect, it } from 'vitest';
import { paint } from '../../cli/kit/terminal.js';
import { type DeliveryRecord, prettyReporter, subscriberOutcome } from '../../local/live-log.js';

const runtimeLine = (message: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    level: 'info',
    message,
    subscription: 'OnCheckCompletedAll',
    eventId: 'e1',
    ...extra,
    _aws: { CloudWatchMetrics: [] },
  });

function delivery(output: string[]): DeliveryRecord {
  return {
    kind: 'delivery',
    rule: 'ComplyCube/OnCheckCompletedAll',
    function: 'ExampleCheckCompleted',
    eventType: 'check.completed.clear',
    eventId: 'e1',
    requestId: 'r1',
    attempt: 1,
    maxAttempts: 3,
    outcome: 'ok',
    durationMs: 12,
    output,
    ...subscriberOutcome(output),
  };
}

function printed(record: DeliveryRecord): string[] {
  const lines: string[] = [];
  prettyReporter((text) => lines.push(text.trimEnd()), paint(false))(record);
  return lines;
}

describe('the live log and subscribers built with onEvents', () => {
  it.each(['ran', 'skipped: duplicate', 'skipped: stale'])('says "%s" after the tick', (message) => {
    const [head] = printed(delivery([runtimeLine(message)]));
    expect(head).toContain(`ExampleCheckCompleted ✓ ${message} `);
  });

  it('shows the function’s own lines and hides the runtime’s, whose word is already on the first line', () => {
    const own = JSON.stringify({ level: 'info', message: 'check completed', eventId: 'e1' });
    const lines = printed(delivery([own, runtimeLine('ran')]));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('check completed');
    expect(lines.join('\n')).not.toContain('_aws');
  });

  it('gives the reason of a rejected event', () => {
    const record = delivery([runtimeLine('rejected: invalid event', { reason: 'detail.id is missing' })]);
    expect(record).toMatchObject({
      handled: 'rejected: invalid event',
      rejectedBecause: 'detail.id is missing',
    });
    expect(printed(record)[0]).toContain('rejected: invalid event (detail.id is missing)');
  });

  it('leaves a function that does not use onEvents as it was', () => {
    const record = delivery(['plain text', JSON.stringify({ message: 'ran' })]);
    expect(record.handled).toBeUndefined();
    expect(printed(record)).toHaveLength(3);
  });
});
