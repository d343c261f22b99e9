import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../contract/env.js';
import { Providers } from '../../contract/providers.js';
import { ComplyCubeWebhooksStack } from '../../infra/complycube-webhooks-stack.js';
import { readAppContext } from '../../infra/context.js';
import { WebhookReceiver } from '../../infra/webhook-receiver.js';
import { appWithoutBundling, CDK_JSON_CONTEXT, receiverStack } from './stacks.js';

const ENV_ACCOUNT = { account: '123456789012', region: 'eu-west-1' } as const;

function inlineFunction(stack: Stack, id: string): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {}'),
  });
}

type Resources = Record<string, { Properties: Record<string, unknown> }>;

function receiverFunctions(template: Template): Resources {
  return template.findResources('AWS::Lambda::Function', {
    Properties: { Description: Match.stringLikeRegexp('^Receives ') },
  }) as Resources;
}

function variablesOf(fn: { Properties: Record<string, unknown> } | undefined): Record<string, unknown> {
  const environment = fn?.Properties.Environment as { Variables?: Record<string, unknown> } | undefined;
  return environment?.Variables ?? {};
}

/** A stack with a ComplyCube and a Compliancely receiver on one bus, as a user would write it. */
function twoReceivers() {
  const stack = new Stack(appWithoutBundling(), 'Both', { env: ENV_ACCOUNT });
  const complyCube = new WebhookReceiver(stack, 'ComplyCube');
  const compliancely = new WebhookReceiver(stack, 'Compliancely', {
    provider: Providers.COMPLIANCELY,
    eventBus: complyCube.eventBus,
  });
  return { stack, complyCube, compliancely };
}

describe('a Compliancely receiver', () => {
  it('tells its function to serve Compliancely with signatures required', () => {
    const { stack } = receiverStack({ provider: Providers.COMPLIANCELY });

    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Receives Compliancely webhooks: verify, deduplicate, publish to EventBridge',
      Environment: {
        Variables: { [ENV.provider]: 'compliancely', [ENV.signatureVerification]: 'required' },
      },
    });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('without a signature'));
  });

  it('keeps its own quarantine source in its own queue', () => {
    const { stack } = receiverStack({ provider: Providers.COMPLIANCELY });

    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['com.compliancely.quarantine'] },
    });
  });

  it('subscribes by derived type, keyed on the Compliancely source', () => {
    const { stack, receiver } = receiverStack({ provider: Providers.COMPLIANCELY });

    receiver.subscribe('tin_check.did_not_match', inlineFunction(stack, 'A'));
    receiver.subscribe('tin_check.*', inlineFunction(stack, 'B'));

    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['com.compliancely'], 'detail-type': ['tin_check.did_not_match'] },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['com.compliancely'], 'detail-type': [{ prefix: 'tin_check.' }] },
    });
    expect(receiver.portalEventTypes).toEqual([
      'tin_check.pending',
      'tin_check.tin_matched',
      'tin_check.did_not_match',
      'tin_check.in_review',
    ]);
  });

  it('warns about a status type nobody documented, and still subscribes it', () => {
    const { stack, receiver } = receiverStack({ provider: Providers.COMPLIANCELY });

    receiver.subscribe('tin_check.escalated', inlineFunction(stack, 'A'));

    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp("'tin_check.escalated' matches no Compliancely event type"),
    );
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['tin_check.escalated'] },
    });
  });

  it('describes its event types output as a list of what is subscribed, not a portal checklist', () => {
    const { stack, receiver } = receiverStack({ provider: Providers.COMPLIANCELY });
    receiver.subscribe('tin_check.did_not_match', inlineFunction(stack, 'A'));

    receiver.addPortalEventTypesOutput('CompliancelyEventTypes');

    const output = Template.fromStack(stack).findOutputs('CompliancelyEventTypes').CompliancelyEventTypes;
    expect(output?.Value).toBe('tin_check.did_not_match');
    expect(output?.Description).toMatch(/Compliancely sends every type; nothing to tick/);
  });
});

describe('signatureVerification', () => {
  it("passes 'optional' to the function and warns at synth time what it exposes", () => {
    const { stack } = receiverStack({ provider: Providers.COMPLIANCELY, signatureVerification: 'optional' });

    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { [ENV.signatureVerification]: 'optional' } },
    });
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp(
        'Compliancely webhooks are taken in without a signature: anyone who learns the function URL can publish',
      ),
    );
  });

  it("refuses 'optional' for ComplyCube, which signs every webhook", () => {
    expect(() => receiverStack({ signatureVerification: 'optional' })).toThrow(
      "signatureVerification 'optional' is not possible for ComplyCube: it signs every webhook, so an unsigned request is never its own. Remove the prop.",
    );
  });

  it('refuses a value that is neither required nor optional (from untyped code)', () => {
    const props = JSON.parse('{"signatureVerification":"disabled"}') as { signatureVerification: 'optional' };

    expect(() => receiverStack({ provider: Providers.COMPLIANCELY, ...props })).toThrow(
      `signatureVerification must be 'required' or 'optional' (got "disabled").`,
    );
  });

  it('keeps ComplyCube at required', () => {
    const { stack } = receiverStack();

    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { [ENV.provider]: 'complycube', [ENV.signatureVerification]: 'required' } },
    });
  });
});

describe('two receivers on one bus', () => {
  it('creates one bus, and both functions publish on it with their own provider', () => {
    const { stack } = twoReceivers();
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::Events::EventBus', 1);
    const [bus] = Object.keys(template.findResources('AWS::Events::EventBus'));
    const functions = Object.values(receiverFunctions(template)).map(variablesOf);
    expect(functions.map((v) => v[ENV.provider]).sort()).toEqual(['compliancely', 'complycube']);
    for (const variables of functions) {
      expect(variables[ENV.eventBusName]).toEqual({ 'Fn::GetAtt': [bus, 'Arn'] });
    }
    template.resourcePropertiesCountIs(
      'AWS::IAM::Policy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [bus, 'Arn'] } }),
          ]),
        },
      },
      2,
    );
  });

  it('gives each its own table, secret, function URL and quarantine queue', () => {
    const { stack } = twoReceivers();
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    template.resourceCountIs('AWS::Lambda::Url', 2);
    const quarantineSources = Object.values(template.findResources('AWS::Events::Rule') as Resources).map(
      (rule) => (rule.Properties.EventPattern as { source?: string[] }).source,
    );
    expect(quarantineSources.sort()).toEqual([
      ['com.compliancely.quarantine'],
      ['com.complycube.quarantine'],
    ]);
  });

  it("keeps subscriptions apart: each rule matches its own provider's source", () => {
    const { stack, complyCube, compliancely } = twoReceivers();

    complyCube.subscribe('*', inlineFunction(stack, 'AllComplyCube'));
    compliancely.subscribe('*', inlineFunction(stack, 'AllCompliancely'));

    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['com.complycube'], 'detail-type': Match.absent() },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['com.compliancely'], 'detail-type': Match.absent() },
    });
  });

  it('does not warn about two different providers sharing a bus', () => {
    const { stack } = twoReceivers();

    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('already receives'));
  });

  it('warns when two receivers of the same provider share a bus', () => {
    const stack = new Stack(appWithoutBundling(), 'Twins', { env: ENV_ACCOUNT });
    const first = new WebhookReceiver(stack, 'First', { provider: Providers.COMPLIANCELY });
    new WebhookReceiver(stack, 'Second', { provider: Providers.COMPLIANCELY, eventBus: first.eventBus });

    Annotations.fromStack(stack).hasWarning(
      '/Twins/Second',
      Match.stringLikeRegexp(
        "Twins/First already receives Compliancely webhooks on this bus.*'com.compliancely'",
      ),
    );
  });

  it('refuses a second default event types output and says which id to pass', () => {
    const { complyCube, compliancely } = twoReceivers();
    complyCube.addPortalEventTypesOutput();

    expect(() => compliancely.addPortalEventTypesOutput()).toThrow(
      "The stack already has a construct 'PortalEventTypes'. With several receivers in one stack, pass each its own id, e.g. addPortalEventTypesOutput('CompliancelyPortalEventTypes').",
    );
  });

  it('works on a bus the user brings, by name', () => {
    const stack = new Stack(appWithoutBundling(), 'Shared', { env: ENV_ACCOUNT });
    const bus = events.EventBus.fromEventBusName(stack, 'Bus', 'shared');
    new WebhookReceiver(stack, 'ComplyCube', { eventBus: bus });
    new WebhookReceiver(stack, 'Compliancely', { provider: Providers.COMPLIANCELY, eventBus: bus });

    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::EventBus', 0);
    template.resourcePropertiesCountIs('AWS::Events::Rule', { EventBusName: 'shared' }, 2);
  });
});

describe('the deployable app with -c compliancely=true', () => {
  let outdir: string;
  let template: Template;
  let stack: ComplyCubeWebhooksStack;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'cdk-compliancely-'));
    const app = new App({ outdir, context: CDK_JSON_CONTEXT });
    stack = new ComplyCubeWebhooksStack(app, 'BothProviders', { env: ENV_ACCOUNT, compliancely: true });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // Throws "Validation failed" when any AwsSolutions finding is not acknowledged.
    app.synth();
    template = Template.fromStack(stack);
  });

  it('passes the AwsSolutions checks', () => {
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations: unknown[] }[];
    };
    for (const plugin of report.pluginReports) expect(plugin.violations).toEqual([]);
  });

  it('is clean under cfn-lint', (context) => {
    const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
    if (probe.error !== undefined) {
      const message =
        'cfn-lint is not installed, so the template was not linted. Install it with: pip install cfn-lint';
      if (process.env.CI === 'true') throw new Error(message);
      console.warn(`\n!!! ${message}\n`);
      context.skip(message);
    }
    const templatePath = join(outdir, 'BothProviders.template.json');
    // W3005: see app.test.ts; CDK's own DependsOn next to a GetAtt.
    const result = spawnSync('cfn-lint', ['--ignore-checks', 'W3005', '--', templatePath], {
      encoding: 'utf8',
    });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('puts the Compliancely receiver on the ComplyCube bus', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    const functions = Object.values(receiverFunctions(template)).map(variablesOf);
    const buses = new Set(functions.map((v) => JSON.stringify(v[ENV.eventBusName])));
    expect(functions).toHaveLength(2);
    expect(buses.size).toBe(1);
    expect(stack.compliancely?.eventBus).toBe(stack.receiver.eventBus);
  });

  it('outputs the URL, secret, quarantine queue, event types and dashboard of each receiver, and one alarm topic', () => {
    const outputs = template.findOutputs('*');

    expect(Object.keys(outputs).sort()).toEqual([
      'AlarmTopicArn',
      'CompliancelyDashboardName',
      'CompliancelyEventTypes',
      'CompliancelyQuarantineQueueUrl',
      'CompliancelyWebhookSecretArn',
      'CompliancelyWebhookUrl',
      'DashboardName',
      'EventBusName',
      'IdempotencyRetentionDays',
      'IdempotencyTableName',
      'PortalEventTypes',
      'QuarantineQueueUrl',
      'WebhookSecretArn',
      'WebhookUrl',
    ]);
    expect(outputs.CompliancelyEventTypes?.Value).toBe('tin_check.did_not_match');
  });

  it('subscribes the example TIN check function to tin_check.did_not_match', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['com.compliancely'], 'detail-type': ['tin_check.did_not_match'] },
    });
  });

  it('loads the receiver bundle in Node as a Compliancely receiver, and refuses optional signing for ComplyCube', () => {
    const fn = Object.values(receiverFunctions(template)).find((r) =>
      String(r.Properties.Description).startsWith('Receives Compliancely'),
    );
    const s3Key = (fn?.Properties.Code as { S3Key?: unknown } | undefined)?.S3Key;
    if (typeof s3Key !== 'string') throw new Error('the Compliancely receiver has no asset S3 key');
    const entry = join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.mjs');
    const env = {
      PATH: process.env.PATH,
      [ENV.provider]: 'compliancely',
      [ENV.signatureVerification]: 'optional',
      [ENV.eventBusName]: 'bus',
      [ENV.tableName]: 'table',
      [ENV.secretArn]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cl-AbCdEf',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      // Nothing listens here: the init-time secret fetch fails fast and is retried on the first request.
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:9',
    };
    const script = `import(${JSON.stringify(entry)}).then((m) => console.log(typeof m.handler))`;

    const ok = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env,
      encoding: 'utf8',
    });
    const broken = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...env, [ENV.provider]: 'complycube' },
      encoding: 'utf8',
    });

    expect(ok.trim()).toBe('function');
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toContain('SIGNATURE_VERIFICATION: "optional" is not possible for complycube');
  });
});

describe('the deployable app without the flag', () => {
  it('has no trace of Compliancely', () => {
    const stack = new ComplyCubeWebhooksStack(appWithoutBundling(), 'ComplyCubeOnly', { env: ENV_ACCOUNT });

    expect(stack.compliancely).toBeUndefined();
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toMatch(/compliancely|tin_check/i);
  });

  it('warns about unsigned Compliancely deliveries only when asked for them', () => {
    const stack = new ComplyCubeWebhooksStack(appWithoutBundling(), 'Unsigned', {
      env: ENV_ACCOUNT,
      compliancely: true,
      compliancelySignatureVerification: 'optional',
    });

    Annotations.fromStack(stack).hasWarning(
      '/Unsigned/Compliancely',
      Match.stringLikeRegexp('without a signature'),
    );
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { [ENV.provider]: 'compliancely', [ENV.signatureVerification]: 'optional' } },
    });
  });
});

describe('app context for Compliancely', () => {
  const from = (values: Record<string, unknown>) => (key: string) => values[key];

  it('is off by default', () => {
    expect(readAppContext(from({}))).toMatchObject({
      compliancely: false,
      compliancelySignatureVerification: undefined,
    });
  });

  it('reads the flag and the signing mode as given on the command line', () => {
    expect(
      readAppContext(from({ compliancely: 'true', compliancelySignatureVerification: 'optional' })),
    ).toMatchObject({ compliancely: true, compliancelySignatureVerification: 'optional' });
  });

  it('refuses a signing mode without the Compliancely receiver, and says what to add', () => {
    expect(() => readAppContext(from({ compliancelySignatureVerification: 'optional' }))).toThrow(
      'Context compliancelySignatureVerification applies to the Compliancely receiver only: add -c compliancely=true.',
    );
  });

  it('refuses a signing mode it does not know, naming the ones it does', () => {
    expect(() =>
      readAppContext(from({ compliancely: 'true', compliancelySignatureVerification: 'disabled' })),
    ).toThrow(
      'Context compliancelySignatureVerification must be required or optional, e.g. -c compliancelySignatureVerification=required (got "disabled").',
    );
  });

  it('refuses a flag that is not true or false', () => {
    expect(() => readAppContext(from({ compliancely: 'yes' }))).toThrow(/compliancely must be true or false/);
  });
});
