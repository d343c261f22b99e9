import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { WebhookReceiver, type WebhookReceiverProps } from '../../infra/webhook-receiver.js';

/** The feature flags of cdk.json, so tests synthesize as `cdk synth` does. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'),
).context;

/** An app that skips esbuild: template assertions don't need the bundle, and stay fast. */
export function appWithoutBundling(): App {
  return new App({
    outdir: mkdtempSync(join(tmpdir(), 'cdk-test-')),
    context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] },
  });
}

export function receiverStack(props: WebhookReceiverProps = {}): { stack: Stack; receiver: WebhookReceiver } {
  const stack = new Stack(appWithoutBundling(), 'Test', {
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  const receiver = new WebhookReceiver(stack, 'Receiver', props);
  return { stack, receiver };
}
