import type { CallOptions } from '../deadline.js';

/** Where the raw secret value comes from (Secrets Manager in production). */
export interface SecretSource {
  /** The secret's current value as stored. */
  fetch(options?: CallOptions): Promise<string>;
  /** Names the secret in messages, never its value. */
  readonly description: string;
}
