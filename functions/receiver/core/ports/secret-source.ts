/** Where the raw secret value comes from (Secrets Manager in production). */
export interface SecretSource {
  /** The secret's current value as stored. */
  fetch(): Promise<string>;
  /** Names the secret in messages, never its value. */
  readonly description: string;
}
