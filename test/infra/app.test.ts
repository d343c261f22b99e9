import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ComplyCubeWebhooksStack } from '../../infra/complycube-webhooks-stack.js';
import { readAppContext } from '../../infra/context.js';
import { CDK_JSON_CONTEXT } from './stacks.js';

/** The deployable stack as `cdk synth` builds it: real esbuild bundles and the AwsSolutions checks. */
let outdir: string;
let templatePath: string;
let template: Template;
let receiverAsset: string;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'cdk-app-'));
  const app = new App({ outdir, context: CDK_JSON_CONTEXT });
  const stack = new ComplyCubeWebhooksStack(app, 'ComplyCubeWebhooks', {
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  // Throws "Validation failed" when any AwsSolutions finding is not acknowledged.
  app.synth();
  template = Template.fromStack(stack);
  templatePath = join(outdir, 'ComplyCubeWebhooks.template.json');
  const receiver = Object.values(template.findResources('AWS::Lambda::Function')).find((r) =>
    String(r.Properties?.Description).startsWith('Receives ComplyCube'),
  );
  const s3Key = receiver?.Properties?.Code?.S3Key;
  if (typeof s3Key !== 'string') throw new Error('receiver function has no asset S3 key');
  receiverAsset = join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
});

describe('the deployable app', () => {
  it('passes the AwsSolutions checks with every acknowledgement justified in code', () => {
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { conclusion: string; violations: unknown[] }[];
    };
    for (const plugin of report.pluginReports) {
      expect(plugin.violations).toEqual([]);
    }
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
    // W3005 (an explicit DependsOn next to a GetAtt) is how CDK orders a function after its
    // role's policy; it is harmless and not ours to change.
    const result = spawnSync('cfn-lint', ['--ignore-checks', 'W3005', '--', templatePath], {
      encoding: 'utf8',
    });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('outputs the function URL, the secret ARN, the bus name, the quarantine queue, the portal event types, the ledger table, the dashboard and the alarm topic', () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual([
      'AlarmTopicArn',
      'DashboardName',
      'EventBusName',
      'IdempotencyRetentionDays',
      'IdempotencyTableName',
      'PortalEventTypes',
      'QuarantineQueueUrl',
      'WebhookSecretArn',
      'WebhookUrl',
    ]);
    expect(outputs.PortalEventTypes?.Value).toBe(
      'check.completed,check.completed.clear,check.completed.attention,check.completed.rejected,check.completed.match_confirmed',
    );
  });

  it('subscribes the example function to the check.completed family', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['com.complycube'], 'detail-type': [{ prefix: 'check.completed' }] },
    });
  });

  it('bundles the receiver as one minified ES module with the AWS SDK inside', () => {
    const files = readdirSync(receiverAsset);
    expect(files.sort()).toEqual(['index.mjs', 'index.mjs.map']);
    const code = readFileSync(join(receiverAsset, 'index.mjs'), 'utf8');
    // No import of the SDK from outside the bundle: the runtime's copy is never loaded. The only
    // SDK names left are optional packages the SDK probes for inside a try (CRT and SigV4a signing).
    const external = [...code.matchAll(/(?:from\s*|require\(|import\()["'](@aws-sdk\/[^"']+)["']/g)].map(
      (m) => m[1],
    );
    expect([...new Set(external)].sort()).toEqual(['@aws-sdk/signature-v4-crt', '@aws-sdk/signature-v4a']);
    expect(code.startsWith('import{createRequire')).toBe(true);
    // Minified: our own function names are gone.
    expect(code).not.toContain('function matchSecret');
  });

  it('loads the bundle in Node and finds the handler, with a configuration error naming the variable when unset', () => {
    const entry = join(receiverAsset, 'index.mjs');
    const env = {
      PATH: process.env.PATH,
      WEBHOOK_PROVIDER: 'complycube',
      EVENT_BUS_NAME: 'bus',
      IDEMPOTENCY_TABLE_NAME: 'table',
      WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cc-AbCdEf',
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
    expect(ok.trim()).toBe('function');

    const broken = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...env, IDEMPOTENCY_TABLE_NAME: '' },
      encoding: 'utf8',
    });
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toContain('IDEMPOTENCY_TABLE_NAME: is required but not set.');
  });

  it('ships the source map beside the bundle', () => {
    expect(existsSync(join(receiverAsset, 'index.mjs.map'))).toBe(true);
  });
});

describe('npx cdk synth', () => {
  it('synthesizes the app from a checkout with no AWS credentials, no region and no Docker', () => {
    const out = mkdtempSync(join(tmpdir(), 'cdk-cli-'));
    const env: Record<string, string> = { PATH: String(process.env.PATH), HOME: String(process.env.HOME) };
    const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-o', out], {
      cwd: new URL('../..', import.meta.url),
      env,
      encoding: 'utf8',
      timeout: 110_000,
    });
    expect(result.status, result.stderr.slice(-2000)).toBe(0);
    const synthesized = JSON.parse(readFileSync(join(out, 'ComplyCubeWebhooks.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    expect(Object.values(synthesized.Resources).map((r) => r.Type)).toContain('AWS::Lambda::Url');
  });
});

describe('app context', () => {
  const from = (values: Record<string, unknown>) => (key: string) => values[key];

  it('has defaults for every key', () => {
    expect(readAppContext(from({}))).toEqual({
      stackName: 'ComplyCubeWebhooks',
      eventBusName: undefined,
      retentionDays: undefined,
      destroyOnRemoval: false,
      memorySize: undefined,
      exampleSubscriber: true,
      compliancely: false,
      compliancelySignatureVerification: undefined,
      alarmEmail: undefined,
      connect: false,
      connectApiKeySecret: undefined,
    });
  });

  it('reads string values as given on the command line', () => {
    const context = readAppContext(
      from({ retentionDays: '45', exampleSubscriber: 'false', eventBusName: 'shared' }),
    );
    expect(context.retentionDays).toBe(45);
    expect(context.exampleSubscriber).toBe(false);
    expect(context.eventBusName).toBe('shared');
  });

  it('refuses a retention that is not a number, naming the key and an example', () => {
    expect(() => readAppContext(from({ retentionDays: 'thirty' }))).toThrow(
      'Context retentionDays must be a whole number, e.g. -c retentionDays=30 (got "thirty").',
    );
  });

  it('refuses a flag that is not true or false', () => {
    expect(() => readAppContext(from({ destroyOnRemoval: 'yes' }))).toThrow(
      /destroyOnRemoval must be true or false/,
    );
  });
});
