import { secretsManagerSource } from './adapters/secrets-manager-source.js';
import { readConfig } from './config.js';

/**
 * The first module of the receiver's bundle to run: `handler.ts` imports it before anything else.
 * It sends the request for the webhook secret, waits only until that request has left, and lets
 * the rest of the bundle (the AWS SDK, most of it) be evaluated while Secrets Manager answers, so
 * the cold start pays for the round trip and the module evaluation side by side instead of one
 * after the other. `npm run bench` measures about 2.5 ms off the load of a local cold start; in AWS,
 * where the round trip is longer, it saves more.
 *
 * Only an ES module can do this: top-level `await` pauses the bundle's evaluation for the request
 * to go out. What is evaluated before the request leaves is this module's imports: our own
 * configuration code (with the provider definitions it validates against), the signer, and
 * node:http, node:https and node:crypto; none of the SDK.
 *
 * It needs what Lambda always provides: the role's credentials and the region in the environment.
 * Without them (a local run on a named profile) it starts nothing and the handler reads the secret
 * through the SDK's credential chain, as it does for every later read. A failure here is the first
 * request's business, as for any read of the secret at init: it reads again and answers 503 if it
 * still cannot.
 */

const env = process.env;
/** The function's configuration, read once per cold start: here, first, so the handler uses it too. */
export const config = readConfig(env);

let markSent: () => void = () => {};
const sent = new Promise<void>((resolve) => {
  markSent = resolve;
});

const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_REGION: region } = env;

/** The first read of the webhook secret, already under way; `undefined` without Lambda's environment. */
export const secretReadAtLoad: Promise<string> | undefined =
  accessKeyId && secretAccessKey && region
    ? secretsManagerSource({
        secretArn: config.secretArn,
        region,
        credentials: () =>
          Promise.resolve({ accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN }),
        endpoint: env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? env.AWS_ENDPOINT_URL,
        onSent: markSent,
      }).fetch()
    : undefined;

// Until the request has left (or the read has ended, if it never could): not until it is answered.
await (secretReadAtLoad === undefined ? undefined : Promise.race([sent, secretReadAtLoad.catch(() => {})]));
