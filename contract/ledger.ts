/** Attribute names of the idempotency table: the construct creates the table, the ledger writes it. */
export const LEDGER_ATTRIBUTES = {
  /** The partition key: `<provider>#<event id>`. */
  partitionKey: 'pk',
  /** Epoch seconds after which DynamoDB's TTL may delete the record. */
  ttl: 'expiresAt',
} as const;
