import { describe, expect, it } from 'vitest';
import { CatchUpConfigError, readCatchUpConfig } from '../../functions/catch-up/config.js';
import { readWatchConfig } from '../../functions/webhook-watch/config.js';

const CATCH_UP = {
  IDEMPOTENCY_TABLE_NAME: 'ledger',
  EVENT_BUS_NAME: 'bus',
  COMPLYCUBE_API_KEY_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-key',
  CATCH_UP_EVENT_TYPES: 'check.completed,client.updated',
};

const WATCH = {
  ...CATCH_UP,
  RECEIVER_URL: 'https://abc.lambda-url.eu-west-1.on.aws/',
  CATCH_UP_FUNCTION_NAME: 'catch-up',
};

describe('catch-up and watcher configuration', () => {
  it('reads the catch-up settings with their defaults', () => {
    const config = readCatchUpConfig(CATCH_UP);

    expect(config).toMatchObject({ tableName: 'ledger', retentionSeconds: 30 * 86_400, maxObjects: 10_000 });
    expect([...config.eventTypes.types]).toEqual(['check.completed', 'client.updated']);
  });

  it('names the variable that is missing or malformed', () => {
    expect(() => readCatchUpConfig({ ...CATCH_UP, CATCH_UP_EVENT_TYPES: '' })).toThrow(
      /CATCH_UP_EVENT_TYPES is required/,
    );
    expect(() => readCatchUpConfig({ ...CATCH_UP, CATCH_UP_MAX_OBJECTS: 'lots' })).toThrow(
      CatchUpConfigError,
    );
    expect(() => readWatchConfig({ ...WATCH, REENABLE_WEBHOOK: 'yes' })).toThrow(
      /REENABLE_WEBHOOK must be true or false/,
    );
  });

  it('reads the watcher settings: re-enabling on, a 36-hour look-back, every type for *', () => {
    const config = readWatchConfig({ ...WATCH, CATCH_UP_EVENT_TYPES: '*' });

    expect(config).toMatchObject({
      reEnable: true,
      lookbackMs: 36 * 3_600_000,
      requiredEventTypes: '*',
      webhookId: undefined,
    });
    expect(
      readWatchConfig({ ...WATCH, REENABLE_WEBHOOK: 'false', CATCH_UP_LOOKBACK_HOURS: '48' }),
    ).toMatchObject({
      reEnable: false,
      lookbackMs: 48 * 3_600_000,
    });
  });
});
