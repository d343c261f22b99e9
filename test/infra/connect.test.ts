/** The `connect` prop: the custom resource, its function's permissions, the API key secret. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { Providers } from '../../contract/providers.js';
import { ComplyCubeWebhooksStack } from '../../infra/complycube-webhooks-stack.js';
import { readAppContext } from '../../infra/context.js';
import { WebhookReceiver } from '../../infra/webhook-receiver.js';
import { appWithoutBundling, receiverStack } from './stacks.js';

function resourceOf(template: Template): Record<string, unknown> {
  const [resource] = Object.values(template.findResources('Custom::ComplyCubeWebhook'));
  if (resource === undefined) throw new Error('no Custom::ComplyCubeWebhook');
  return resource.Properties as Record<string, unknown>;
}

describe('WebhookReceiver connect', () => {
  it('registers the events of subscriptions added after the constructor', () => {
    const { stack, receiver } = receiverStack({ connect: {} });
    receiver.subscribe(['check.completed*'], new sqs.Queue(stack, 'Q1'));
    receiver.subscribe(['client.created'], new sqs.Queue(stack, 'Q2'));
    const properties = resourceOf(Template.fromStack(stack));
    expect(properties.Events).toEqual([
      'check.completed',
      'check.completed.clear',
      'check.completed.attention',
      'check.completed.rejected',
      'check.completed.match_confirmed',
      'client.created',
    ]);
    expect(properties).toMatchObject({
      RemovalPolicy: 'retain',
      WebhookUrl: { 'Fn::GetAtt': [expect.any(String), 'FunctionUrl'] },
    });
  });

  it('registers ["*"] when a subscription takes every type', () => {
    const { stack, receiver } = receiverStack({ connect: {} });
    receiver.subscribe(['*'], new sqs.Queue(stack, 'Q'));
    expect(resourceOf(Template.fromStack(stack)).Events).toEqual(['*']);
  });

  it('creates an API key secret holding a placeholder, unless one is given', () => {
    const created = receiverStack({ connect: {} });
    Template.fromStack(created.stack).hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('API key for connect'),
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'placeholder' }),
    });
    const stack = new Stack(appWithoutBundling(), 'Own', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    const key = secretsmanager.Secret.fromSecretNameV2(stack, 'Key', 'complycube-api-key');
    new WebhookReceiver(stack, 'Receiver', { connect: { apiKeySecret: key } });
    const template = Template.fromStack(stack);
    expect(Object.values(template.findResources('AWS::SecretsManager::Secret'))).toHaveLength(1); // the webhook secret
    expect(JSON.stringify(resourceOf(template).ApiKeySecretId)).toContain('complycube-api-key');
  });

  it('lets its function read both secrets and put a value into the webhook secret, nothing more', () => {
    const { stack, receiver } = receiverStack({ connect: {} });
    const template = Template.fromStack(stack);
    const role = receiver.connection?.function.role;
    if (role === undefined) throw new Error('no connect function role');
    const roleId = stack.getLogicalId(role.node.defaultChild as never);
    const policies = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
    );
    const statements = policies.flatMap(
      (p) =>
        (p.Properties as { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } })
          .PolicyDocument.Statement,
    );
    const actions = [
      ...new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))),
    ].sort();
    expect(actions).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
    ]);
    const webhookSecret = { Ref: stack.getLogicalId(receiver.webhookSecret.node.defaultChild as never) };
    const put = statements.filter((s) => JSON.stringify(s.Action).includes('PutSecretValue'));
    expect(put.map((s) => s.Resource)).toEqual([webhookSecret]);
  });

  it('follows the removal policy: DESTROY deletes the webhook with the stack', () => {
    const { stack } = receiverStack({ connect: {}, removalPolicy: RemovalPolicy.DESTROY });
    expect(resourceOf(Template.fromStack(stack)).RemovalPolicy).toBe('destroy');
  });

  it('refuses a provider without a webhook API, saying what to do', () => {
    expect(() => receiverStack({ provider: Providers.COMPLIANCELY, connect: {} })).toThrow(
      /not possible for Compliancely: it documents no API.*remove the connect prop/,
    );
  });

  it('hands an API URL override to its function as COMPLYCUBE_API_URL, https only', () => {
    const { stack, receiver } = receiverStack({
      connect: { apiUrl: 'https://proxy.example.com/complycube/v1/' },
    });
    const fn = receiver.connection?.function.node.defaultChild;
    const id = fn === undefined ? '' : stack.getLogicalId(fn as never);
    expect(Template.fromStack(stack).toJSON().Resources[id].Properties.Environment.Variables).toEqual({
      COMPLYCUBE_API_URL: 'https://proxy.example.com/complycube/v1',
    });
    expect(() => receiverStack({ connect: { apiUrl: 'http://proxy.example.com/v1' } })).toThrow(/https:\/\//);
  });

  it('adds no connection without the prop', () => {
    const { stack } = receiverStack();
    expect(Template.fromStack(stack).findResources('Custom::ComplyCubeWebhook')).toEqual({});
  });
});

describe('the app with -c connect=true', () => {
  it('passes the AwsSolutions checks and outputs what the CLI reads', () => {
    const outdir = appWithoutBundling().outdir;
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new ComplyCubeWebhooksStack(app, 'Connected', {
      env: { account: '123456789012', region: 'eu-west-1' },
      connect: true,
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    app.synth();
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations: unknown[] }[];
    };
    for (const plugin of report.pluginReports) expect(plugin.violations).toEqual([]);
    const outputs = Template.fromStack(stack).findOutputs('*');
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'ComplyCubeWebhookEvents',
        'ComplyCubeApiKeySecretArn',
        'ComplyCubeWebhookId',
        'ComplyCubeConnection',
      ]),
    );
    expect(outputs.ComplyCubeWebhookEvents?.Value).toBe(
      'check.completed,check.completed.clear,check.completed.attention,check.completed.rejected,check.completed.match_confirmed',
    );
  });
});

describe('the connect context', () => {
  it('reads -c connect=true and an API key secret, and refuses the secret without connect', () => {
    const context = (values: Record<string, unknown>) => readAppContext((key) => values[key]);
    expect(context({ connect: 'true', connectApiKeySecret: 'complycube-api-key' })).toMatchObject({
      connect: true,
      connectApiKeySecret: 'complycube-api-key',
    });
    expect(context({})).toMatchObject({ connect: false });
    expect(() => context({ connectApiKeySecret: 'complycube-api-key' })).toThrow(/add -c connect=true/);
  });
});
