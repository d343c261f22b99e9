import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LEASE_SECONDS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_RETENTION_DAYS,
  ENV,
} from '../../contract/env.js';
import { readConfig } from '../../functions/receiver/config.js';
import { ConfigError } from '../../functions/receiver/core/errors.js';
import { complyCube } from '../../functions/receiver/providers/complycube.js';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:complycube/webhook-AbCdEf';

const VALID: Readonly<Record<string, string>> = {
  [ENV.provider]: 'complycube',
  [ENV.eventBusName]: 'complycube-events',
  [ENV.tableName]: 'complycube-webhook-idempotency',
  [ENV.secretArn]: SECRET_ARN,
};

function configError(env: Readonly<Record<string, string | undefined>>): ConfigError {
  try {
    readConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected readConfig to throw a ConfigError');
}

describe('readConfig: a valid environment', () => {
  it('reads every value', () => {
    const config = readConfig(VALID);

    expect(config).toEqual({
      provider: complyCube,
      eventBusName: 'complycube-events',
      tableName: 'complycube-webhook-idempotency',
      secretArn: SECRET_ARN,
      retentionSeconds: DEFAULT_RETENTION_DAYS * 86_400,
      leaseSeconds: DEFAULT_LEASE_SECONDS,
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      signatureVerification: 'required',
      maxEntryBytes: 262_144,
      payloadBucket: undefined,
      metricsNamespace: 'ComplyCubeWebhooks',
    });
  });

  it('reads the large-payload bucket and the bus entry limit, and refuses a bucket name S3 would not take', () => {
    const config = readConfig({
      ...VALID,
      [ENV.payloadBucket]: 'cc-large-payloads',
      [ENV.maxEntryBytes]: '1048576',
    });

    expect(config.payloadBucket).toBe('cc-large-payloads');
    expect(config.maxEntryBytes).toBe(1_048_576);
    expect(() => readConfig({ ...VALID, [ENV.payloadBucket]: 'Not_A_Bucket' })).toThrow(
      'LARGE_PAYLOAD_BUCKET: "Not_A_Bucket" is not an S3 bucket name.',
    );
  });

  it('defaults the body limit to 1 MiB and refuses a limit beyond what a function URL accepts', () => {
    expect(readConfig(VALID).maxBodyBytes).toBe(1_048_576);
    expect(readConfig({ ...VALID, [ENV.maxBodyBytes]: '65536' }).maxBodyBytes).toBe(65_536);
    expect(() => readConfig({ ...VALID, [ENV.maxBodyBytes]: '7000000' })).toThrow(
      'MAX_BODY_BYTES: "7000000" is not a whole number from 1024 to 6291456.',
    );
  });

  it('defaults retention to 30 days and the lease to 30 seconds', () => {
    const config = readConfig(VALID);

    expect(config.retentionSeconds).toBe(30 * 86_400);
    expect(config.leaseSeconds).toBe(30);
  });

  it('accepts an event bus ARN', () => {
    const arn = 'arn:aws:events:eu-west-2:123456789012:event-bus/complycube-events';

    expect(readConfig({ ...VALID, [ENV.eventBusName]: arn }).eventBusName).toBe(arn);
  });

  it('accepts a secret ARN in another partition', () => {
    const arn = 'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:complycube-AbCdEf';

    expect(readConfig({ ...VALID, [ENV.secretArn]: arn }).secretArn).toBe(arn);
  });

  it('trims surrounding white space from values', () => {
    const config = readConfig({ ...VALID, [ENV.tableName]: '  complycube-webhook-idempotency\n' });

    expect(config.tableName).toBe('complycube-webhook-idempotency');
  });

  it('ignores unrelated variables', () => {
    expect(() => readConfig({ ...VALID, AWS_REGION: 'eu-west-2', PATH: '/usr/bin' })).not.toThrow();
  });
});

describe('readConfig: missing variables', () => {
  it.each([ENV.provider, ENV.eventBusName, ENV.tableName, ENV.secretArn])(
    'refuses a missing %s and names it',
    (name) => {
      const env = { ...VALID, [name]: undefined };

      const error = configError(env);

      expect(error.variable).toBe(name);
      expect(error.message).toContain(name);
    },
  );

  it.each([ENV.provider, ENV.eventBusName, ENV.tableName, ENV.secretArn])(
    'refuses a blank %s and names it',
    (name) => {
      const error = configError({ ...VALID, [name]: '   ' });

      expect(error.variable).toBe(name);
    },
  );
});

describe('readConfig: malformed values', () => {
  it.each([
    [
      'an account id that is not 12 digits',
      'arn:aws:secretsmanager:eu-west-2:12345:secret:complycube-AbCdEf',
    ],
    ['another service', 'arn:aws:ssm:eu-west-2:123456789012:parameter/complycube'],
    ['a bare name', 'complycube/webhook'],
    ['a missing resource type', 'arn:aws:secretsmanager:eu-west-2:123456789012:complycube-AbCdEf'],
  ])('refuses a secret ARN with %s', (_name, value) => {
    const error = configError({ ...VALID, [ENV.secretArn]: value });

    expect(error.variable).toBe(ENV.secretArn);
  });

  it.each([
    ['a space', 'complycube events'],
    ['a colon outside an ARN', 'complycube:events'],
    ['a name over 256 characters', 'b'.repeat(257)],
    ['an ARN of another service', 'arn:aws:sqs:eu-west-2:123456789012:complycube-events'],
    ['an ARN without event-bus/', 'arn:aws:events:eu-west-2:123456789012:rule/complycube'],
  ])('refuses an event bus with %s', (_name, value) => {
    const error = configError({ ...VALID, [ENV.eventBusName]: value });

    expect(error.variable).toBe(ENV.eventBusName);
  });

  it.each([
    ['under 3 characters', 'ab'],
    ['over 255 characters', 't'.repeat(256)],
    ['a slash', 'complycube/idempotency'],
    ['a space', 'complycube idempotency'],
  ])('refuses a table name %s', (_name, value) => {
    const error = configError({ ...VALID, [ENV.tableName]: value });

    expect(error.variable).toBe(ENV.tableName);
  });

  it('accepts a table name of exactly 3 and of 255 characters', () => {
    expect(readConfig({ ...VALID, [ENV.tableName]: 'abc' }).tableName).toBe('abc');
    expect(readConfig({ ...VALID, [ENV.tableName]: 't'.repeat(255) }).tableName).toHaveLength(255);
  });
});

describe('readConfig: retention and lease', () => {
  it.each([
    ['1', 86_400],
    ['7', 7 * 86_400],
    ['3650', 3650 * 86_400],
  ])('reads a retention of %s days', (days, seconds) => {
    expect(readConfig({ ...VALID, [ENV.retentionDays]: days }).retentionSeconds).toBe(seconds);
  });

  it('uses the default retention when the variable is blank', () => {
    expect(readConfig({ ...VALID, [ENV.retentionDays]: ' ' }).retentionSeconds).toBe(30 * 86_400);
  });

  it.each(['0', '3651', '-1', '1.5', 'thirty', 'NaN', 'Infinity'])('refuses a retention of %s', (days) => {
    const error = configError({ ...VALID, [ENV.retentionDays]: days });

    expect(error.variable).toBe(ENV.retentionDays);
  });

  it.each([
    ['5', 5],
    ['60', 60],
    ['900', 900],
  ])('reads a lease of %s seconds', (raw, seconds) => {
    expect(readConfig({ ...VALID, [ENV.leaseSeconds]: raw }).leaseSeconds).toBe(seconds);
  });

  it.each(['4', '901', '0', '-30', '2.5', 'long'])('refuses a lease of %s', (raw) => {
    const error = configError({ ...VALID, [ENV.leaseSeconds]: raw });

    expect(error.variable).toBe(ENV.leaseSeconds);
  });
});

describe('readConfig: the provider', () => {
  it('refuses an unknown provider and lists the known ones', () => {
    const error = configError({ ...VALID, [ENV.provider]: 'onfido' });

    expect(error.variable).toBe(ENV.provider);
    expect(error.message).toContain('"onfido"');
    expect(error.message).toContain('complycube');
  });

  it('is case-sensitive about the provider name', () => {
    const error = configError({ ...VALID, [ENV.provider]: 'ComplyCube' });

    expect(error.variable).toBe(ENV.provider);
  });

  // BUG (functions/receiver/config.ts): PROVIDERS is a plain object literal, so `PROVIDERS[name]`
  // finds Object.prototype's members. WEBHOOK_PROVIDER=constructor (or toString, hasOwnProperty,
  // __proto__) passes the `=== undefined` check and yields a function or Object.prototype as the
  // provider instead of a ConfigError. Use Object.hasOwn(PROVIDERS, name) or a null-prototype map.
  it.each(['constructor', 'toString', '__proto__'])(
    'refuses the inherited property name %s as an unknown provider',
    (name) => {
      const error = configError({ ...VALID, [ENV.provider]: name });

      expect(error.variable).toBe(ENV.provider);
    },
  );
});
