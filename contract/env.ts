/**
 * The receiver function's environment: the variables the construct sets and the function reads,
 * and the limits both check. The construct validates its props against these limits so a bad
 * value fails at synth time instead of at the function's first start.
 */

/** The environment variables the construct sets on the receiver function. */
export const ENV = {
  provider: 'WEBHOOK_PROVIDER',
  eventBusName: 'EVENT_BUS_NAME',
  tableName: 'IDEMPOTENCY_TABLE_NAME',
  secretArn: 'WEBHOOK_SECRET_ARN',
  retentionDays: 'IDEMPOTENCY_RETENTION_DAYS',
  leaseSeconds: 'CLAIM_LEASE_SECONDS',
  functionTimeoutSeconds: 'FUNCTION_TIMEOUT_SECONDS',
  signatureVerification: 'SIGNATURE_VERIFICATION',
  maxBodyBytes: 'MAX_BODY_BYTES',
  maxEntryBytes: 'MAX_BUS_ENTRY_BYTES',
  payloadBucket: 'LARGE_PAYLOAD_BUCKET',
  metricsNamespace: 'METRICS_NAMESPACE',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

export const DEFAULT_RETENTION_DAYS = 30;
export const DEFAULT_LEASE_SECONDS = 30;
/**
 * How much longer than the function timeout a claim's lease must run. An attempt can live no
 * longer than the timeout, so a lease that outlasts it is never taken over from a live attempt;
 * the margin covers the clocks of two Lambda hosts disagreeing. The function refuses a shorter one.
 */
export const LEASE_MARGIN_SECONDS = 5;
/** ComplyCube events are a few KB; 1 MiB leaves room for any real one and refuses the absurd. */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;
/** A function URL takes at most 6 MB; a larger limit would mean nothing. */
export const FUNCTION_URL_MAX_BYTES = 6_291_456;
/** EventBridge's documented PutEvents entry limit; raise it where the bus takes 1 MiB entries. */
export const DEFAULT_MAX_ENTRY_BYTES = 262_144;
/** The largest PutEvents entry any EventBridge bus takes. */
export const MAX_BUS_ENTRY_BYTES = 1_048_576;

/**
 * Whether a request must carry a signature (`SIGNATURE_VERIFICATION`). `optional` is for a provider
 * set up without signing (only one whose descriptor has `signingOptional`): a request without the
 * header is taken in unsigned, one with the header is still verified and refused if it does not match.
 */
export const SIGNATURE_VERIFICATION_MODES = ['required', 'optional'] as const;
export type SignatureVerification = (typeof SIGNATURE_VERIFICATION_MODES)[number];
