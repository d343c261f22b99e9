import { SIGNATURE_VERIFICATION_MODES, type SignatureVerification } from '../contract/env.js';

/** The app's settings, from CDK context (`cdk deploy -c key=value` or `cdk.json`). See README, "Configuration". */
export interface AppContext {
  readonly stackName: string;
  readonly eventBusName: string | undefined;
  readonly retentionDays: number | undefined;
  readonly destroyOnRemoval: boolean;
  readonly memorySize: number | undefined;
  readonly exampleSubscriber: boolean;
  readonly compliancely: boolean;
  readonly compliancelySignatureVerification: SignatureVerification | undefined;
  readonly alarmEmail: string | undefined;
  /** Register the ComplyCube webhook at deploy time (docs/connect.md). */
  readonly connect: boolean;
  /** The name or ARN of an existing secret holding the ComplyCube API key, for `connect`. */
  readonly connectApiKeySecret: string | undefined;
}

export const CONTEXT_KEYS = {
  stackName: 'stackName',
  eventBusName: 'eventBusName',
  retentionDays: 'retentionDays',
  destroyOnRemoval: 'destroyOnRemoval',
  memorySize: 'memorySize',
  exampleSubscriber: 'exampleSubscriber',
  compliancely: 'compliancely',
  compliancelySignatureVerification: 'compliancelySignatureVerification',
  alarmEmail: 'alarmEmail',
  connect: 'connect',
  connectApiKeySecret: 'connectApiKeySecret',
} as const;

/** Reads and validates the context; a bad value throws a message naming the key and what to pass. */
export function readAppContext(get: (key: string) => unknown): AppContext {
  return {
    stackName: text(get, CONTEXT_KEYS.stackName) ?? 'ComplyCubeWebhooks',
    eventBusName: text(get, CONTEXT_KEYS.eventBusName),
    retentionDays: integer(get, CONTEXT_KEYS.retentionDays),
    destroyOnRemoval: flag(get, CONTEXT_KEYS.destroyOnRemoval) ?? false,
    memorySize: integer(get, CONTEXT_KEYS.memorySize),
    exampleSubscriber: flag(get, CONTEXT_KEYS.exampleSubscriber) ?? true,
    ...compliancelyContext(get),
    alarmEmail: email(get, CONTEXT_KEYS.alarmEmail),
    ...connectContext(get),
  };
}

function connectContext(get: (key: string) => unknown): Pick<AppContext, 'connect' | 'connectApiKeySecret'> {
  const connect = flag(get, CONTEXT_KEYS.connect) ?? false;
  const secret = text(get, CONTEXT_KEYS.connectApiKeySecret);
  if (secret !== undefined && !connect) {
    throw new Error(
      `Context ${CONTEXT_KEYS.connectApiKeySecret} is the API key secret for connect: add -c ${CONTEXT_KEYS.connect}=true.`,
    );
  }
  return { connect, connectApiKeySecret: secret };
}

/** Loose on purpose: SNS sends a confirmation, which is the real check. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function email(get: (key: string) => unknown, key: string): string | undefined {
  const value = text(get, key);
  if (value !== undefined && !EMAIL.test(value)) {
    throw new Error(
      `Context ${key} must be an e-mail address, e.g. -c ${key}=oncall@example.com (got ${JSON.stringify(value)}).`,
    );
  }
  return value;
}

function compliancelyContext(
  get: (key: string) => unknown,
): Pick<AppContext, 'compliancely' | 'compliancelySignatureVerification'> {
  const key = CONTEXT_KEYS.compliancelySignatureVerification;
  const compliancely = flag(get, CONTEXT_KEYS.compliancely) ?? false;
  const mode = text(get, key);
  if (mode !== undefined && !SIGNATURE_VERIFICATION_MODES.some((m) => m === mode)) {
    throw new Error(
      `Context ${key} must be ${SIGNATURE_VERIFICATION_MODES.join(' or ')}, e.g. -c ${key}=required (got ${JSON.stringify(mode)}).`,
    );
  }
  if (mode !== undefined && !compliancely) {
    throw new Error(`Context ${key} applies to the Compliancely receiver only: add -c compliancely=true.`);
  }
  return {
    compliancely,
    compliancelySignatureVerification: mode === 'optional' || mode === 'required' ? mode : undefined,
  };
}

function text(get: (key: string) => unknown, key: string): string | undefined {
  const value = get(key);
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string')
    throw new Error(`Context ${key} must be a string (got ${JSON.stringify(value)}).`);
  return value;
}

function integer(get: (key: string) => unknown, key: string): number | undefined {
  const value = get(key);
  if (value === undefined || value === '') return undefined;
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(number)) {
    throw new Error(
      `Context ${key} must be a whole number, e.g. -c ${key}=30 (got ${JSON.stringify(value)}).`,
    );
  }
  return number;
}

function flag(get: (key: string) => unknown, key: string): boolean | undefined {
  const value = get(key);
  if (value === undefined || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(
    `Context ${key} must be true or false, e.g. -c ${key}=false (got ${JSON.stringify(value)}).`,
  );
}
