/**
 * Stands in for `@aws-sdk/credential-provider-node` in the deployed bundles (see
 * `infra/bundling.ts`): the default credential chain reduced to the one link Lambda uses.
 *
 * Lambda hands a function its role's credentials in `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`
 * and `AWS_SESSION_TOKEN`, which the full chain also tries first. Its other links (SSO, shared
 * ini files, `credential_process`, web identity, the container and instance metadata services)
 * bring about 130 KB of code, nested STS/SSO clients included, that a cold start would load and
 * never run. Only the bundle is affected: code run from source (tests, `tsx`) keeps the SDK's
 * full chain, so a developer's `AWS_PROFILE` still works there.
 */
import { type FromEnvInit, fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * The SDK's `defaultProvider`, as each client calls it when no `credentials` are configured.
 *
 * @example
 * const credentials = await defaultProvider()(); // { accessKeyId, secretAccessKey, sessionToken }
 */
export function defaultProvider(init: FromEnvInit = {}): ReturnType<typeof fromEnv> {
  return fromEnv(init);
}
