import { describe, expect, it } from 'vitest';
import { ENV } from '../../contract/env.js';
import { readConfig } from '../../functions/receiver/config.js';
import { ConfigError } from '../../functions/receiver/core/errors.js';
import { compliancely } from '../../functions/receiver/providers/compliancely.js';

const VALID: Readonly<Record<string, string>> = {
  [ENV.provider]: 'compliancely',
  [ENV.eventBusName]: 'webhook-events',
  [ENV.tableName]: 'compliancely-webhook-idempotency',
  [ENV.secretArn]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:compliancely-AbCdEf',
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

describe('readConfig: the Compliancely provider and SIGNATURE_VERIFICATION', () => {
  it('serves Compliancely and requires signatures unless told otherwise', () => {
    const config = readConfig(VALID);

    expect(config.provider).toBe(compliancely);
    expect(config.signatureVerification).toBe('required');
  });

  it.each([
    ['required', 'required'],
    ['optional', 'optional'],
    [' optional\n', 'optional'],
    ['', 'required'],
  ])('reads %j as %s', (value, mode) => {
    expect(readConfig({ ...VALID, [ENV.signatureVerification]: value }).signatureVerification).toBe(mode);
  });

  it.each(['disabled', 'Optional', 'off', 'false', 'none'])(
    'refuses %j and lists the values it takes',
    (value) => {
      const error = configError({ ...VALID, [ENV.signatureVerification]: value });

      expect(error.variable).toBe('SIGNATURE_VERIFICATION');
      expect(error.message).toBe(
        `SIGNATURE_VERIFICATION: ${JSON.stringify(value)} is not one of required, optional.`,
      );
    },
  );

  it('refuses optional for ComplyCube, which signs every delivery, and says what to set', () => {
    const error = configError({
      ...VALID,
      [ENV.provider]: 'complycube',
      [ENV.signatureVerification]: 'optional',
    });

    expect(error.variable).toBe('SIGNATURE_VERIFICATION');
    expect(error.message).toBe(
      'SIGNATURE_VERIFICATION: "optional" is not possible for complycube, which signs every delivery; set it to required or leave it unset.',
    );
  });

  it('names both providers when WEBHOOK_PROVIDER is unknown', () => {
    expect(configError({ ...VALID, [ENV.provider]: 'compliance.ly' }).message).toBe(
      'WEBHOOK_PROVIDER: unknown provider "compliance.ly"; expected one of complycube, compliancely.',
    );
  });
});
