import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { ENV, LEASE_MARGIN_SECONDS } from '../../contract/env.js';
import { leaseProblem } from '../../functions/receiver/config.js';
import { WebhookReceiver } from '../../infra/webhook-receiver.js';
import { appWithoutBundling, receiverStack } from './stacks.js';

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('the function timeout and the claim lease', () => {
  it('tells the function its timeout, with a lease the function accepts for it', () => {
    const template = Template.fromStack(receiverStack().stack);
    const [fn] = Object.values(
      template.findResources('AWS::Lambda::Function', { Properties: { Timeout: 10 } }),
    ) as { Properties: { Timeout: number; Environment: { Variables: Record<string, string> } } }[];

    const variables = fn?.Properties.Environment.Variables ?? {};
    expect(variables[ENV.functionTimeoutSeconds]).toBe('10');
    const lease = Number(variables[ENV.leaseSeconds]);
    expect(lease).toBeGreaterThanOrEqual(10 + LEASE_MARGIN_SECONDS);
    expect(leaseProblem(lease, 10)).toBeUndefined();
  });
});

describe('an imported webhook secret encrypted with a customer-managed key', () => {
  it('lets the function decrypt with that key, as GetSecretValue needs', () => {
    const stack = new Stack(appWithoutBundling(), 'Test', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    const secret = secretsmanager.Secret.fromSecretAttributes(stack, 'Mine', {
      secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cc-AbCdEf',
      encryptionKey: kms.Key.fromKeyArn(stack, 'Key', KEY_ARN),
    });

    new WebhookReceiver(stack, 'Receiver', { webhookSecret: secret });

    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'kms:Decrypt', Effect: 'Allow', Resource: KEY_ARN }),
        ]),
      },
    });
  });
});
