import { describe, expect, it } from 'vitest';
import { parseCatchUpArgs } from '../../cli/commands/catch-up/options.js';
import { UsageError } from '../../cli/kit/usage-error.js';

const NOW = Date.UTC(2026, 11, 5, 12, 0, 0);

describe('catch-up arguments', () => {
  it('takes a window as a duration ago, until now by default', () => {
    const options = parseCatchUpArgs(['--since', '36h'], NOW);

    expect(options).toMatchObject({
      since: new Date(NOW - 36 * 3_600_000),
      until: new Date(NOW),
      stack: undefined,
      maxObjects: 10_000,
      json: false,
    });
  });

  it('takes ISO times, a stack, event types and a count bound', () => {
    const options = parseCatchUpArgs(
      [
        '--stack',
        'ComplyCubeWebhooks',
        '--since',
        '2026-12-01T08:00:00Z',
        '--until',
        '2026-12-03T10:00:00Z',
        '--events',
        'check.completed,client.updated',
        '--max-objects',
        '500',
        '--json',
      ],
      NOW,
    );

    expect(options).toMatchObject({
      stack: 'ComplyCubeWebhooks',
      since: new Date('2026-12-01T08:00:00Z'),
      until: new Date('2026-12-03T10:00:00Z'),
      events: ['check.completed', 'client.updated'],
      maxObjects: 500,
      json: true,
    });
  });

  it.each([
    [[], /Say where the gap begins: --since/],
    [['--since', 'yesterday'], /--since 'yesterday' is not a time/],
    [['--since', '1h', '--until', '2h'], /must be before --until/],
    [['--since', '2h', '--until', '2026-12-06T00:00:00Z'], /in the future/],
    [['--since', '2h', '--events', 'check completed'], /--events takes exact event types/],
    [['--since', '2h', '--api-key', 'live_x'], /never taken as an argument/],
  ])('refuses %j with a message that says what to type', (argv, message) => {
    expect(() => parseCatchUpArgs(argv, NOW)).toThrow(UsageError);
    expect(() => parseCatchUpArgs(argv, NOW)).toThrow(message);
  });
});
