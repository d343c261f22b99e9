import { describe, expect, it } from 'vitest';
import { ENV, LEASE_MARGIN_SECONDS } from '../../contract/env.js';
import { readConfig } from '../../functions/receiver/config.js';
import { ConfigError } from '../../functions/receiver/core/errors.js';

const VALID: Readonly<Record<string, string>> = {
  [ENV.provider]: 'complycube',
  [ENV.eventBusName]: 'complycube-events',
  [ENV.tableName]: 'complycube-webhook-idempotency',
  [ENV.secretArn]: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:complycube/webhook-AbCdEf',
};

describe('the claim lease against the function timeout', () => {
  it('accepts a lease as long as the timeout plus the margin', () => {
    const config = readConfig({
      ...VALID,
      [ENV.functionTimeoutSeconds]: '10',
      [ENV.leaseSeconds]: String(10 + LEASE_MARGIN_SECONDS),
    });

    expect(config.leaseSeconds).toBe(10 + LEASE_MARGIN_SECONDS);
    expect(config.functionTimeoutSeconds).toBe(10);
  });

  it('refuses a shorter lease, naming the variable and the least value that works', () => {
    const read = () => readConfig({ ...VALID, [ENV.functionTimeoutSeconds]: '10', [ENV.leaseSeconds]: '12' });

    expect(read).toThrow(ConfigError);
    expect(read).toThrow(`${ENV.leaseSeconds}: 12s is shorter than the function timeout (10s)`);
    expect(read).toThrow(`Set it to at least ${10 + LEASE_MARGIN_SECONDS}.`);
  });

  it('refuses the default lease under a timeout it cannot outlast', () => {
    expect(() => readConfig({ ...VALID, [ENV.functionTimeoutSeconds]: '60' })).toThrow(ConfigError);
  });

  it('leaves the check to the first invocation when the timeout is not given', () => {
    expect(readConfig({ ...VALID, [ENV.leaseSeconds]: '5' }).functionTimeoutSeconds).toBeUndefined();
  });
});
