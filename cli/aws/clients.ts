/**
 * The AWS clients the operations commands use, and AWS errors turned into sentences that say
 * what to do. Credentials and region come from the SDK's standard chain (`AWS_PROFILE`,
 * `AWS_REGION`, SSO, instance roles…); `--region` overrides the region.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { OpsError } from '../kit/failure.js';

export interface OpsClients {
  readonly eventBridge: EventBridgeClient;
  readonly sqs: SQSClient;
  readonly lambda: LambdaClient;
}

/**
 * Clients for `region`, or the SDK's default region when undefined.
 *
 * @example
 * const { eventBridge } = opsClients('eu-west-2');
 */
export function opsClients(region: string | undefined): OpsClients {
  const config = { maxAttempts: 4, ...(region === undefined ? {} : { region }) };
  return {
    eventBridge: new EventBridgeClient(config),
    sqs: new SQSClient(config),
    lambda: new LambdaClient(config),
  };
}

/**
 * Wraps an SDK error into an `OpsError` whose message names what was being done and what to try:
 * missing credentials or region, access denied, a resource that does not exist.
 *
 * @example
 * await client.send(command).catch((e) => { throw awsFailure(e, `list the rules of bus ${bus}`); });
 */
export function awsFailure(error: unknown, doing: string): OpsError {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  const hint = hintFor(name, message);
  // The SDK's own message travels as the cause, which the CLI prints under this one.
  return new OpsError(`Could not ${doing}.${hint === '' ? '' : ` ${hint}`}`, { cause: error });
}

function hintFor(name: string, message: string): string {
  if (/region is missing/i.test(message)) {
    return 'Pass --region (e.g. --region eu-west-2) or set AWS_REGION.';
  }
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return 'Set AWS_PROFILE to a profile of the account (and `aws sso login` if it uses SSO), or the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY variables.';
  }
  if (/AccessDenied|UnauthorizedOperation|not authorized/i.test(`${name} ${message}`)) {
    return 'Use credentials that may do this (README, "Operating it", lists the permissions each command needs).';
  }
  if (/ExpiredToken|TokenRefreshRequired/i.test(name))
    return 'Refresh your credentials, e.g. `aws sso login`.';
  return '';
}

/** Whether an SDK error says the resource does not exist. */
export function isNotFound(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  return /ResourceNotFound|NonExistentQueue|QueueDoesNotExist/.test(name);
}
