/**
 * The bundle `npm run bench` measures is the bundle the stack deploys, and the SDK code the
 * substitutes in `infra/bundling.ts` replace is really gone from it.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_SUBSTITUTES, esbuildOptions, functionBundling } from '../../infra/bundling.js';
import { WebhookReceiver } from '../../infra/webhook-receiver.js';
import { CDK_JSON_CONTEXT } from './stacks.js';

const ENTRY = fileURLToPath(new URL('../../functions/receiver/handler.ts', import.meta.url));

let deployed: Buffer;
let built: Buffer;
let inputs: string[];

beforeAll(async () => {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-bundling-'));
  const app = new App({ outdir, context: CDK_JSON_CONTEXT });
  const stack = new Stack(app, 'Bundling', { env: { account: '123456789012', region: 'eu-west-1' } });
  new WebhookReceiver(stack, 'Receiver');
  app.synth();
  const [receiver] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).filter(
    (resource) => String(resource.Properties?.Description).startsWith('Receives'),
  );
  const s3Key = receiver?.Properties?.Code?.S3Key;
  if (typeof s3Key !== 'string') throw new Error('The receiver function has no asset S3 key.');
  deployed = readFileSync(join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.mjs'));

  const outfile = join(mkdtempSync(join(tmpdir(), 'esbuild-bundling-')), 'index.mjs');
  const result = await build({ ...esbuildOptions(ENTRY, outfile), metafile: true, logLevel: 'error' });
  built = readFileSync(outfile);
  inputs = Object.keys(entryOutput(result.metafile).inputs);
});

function entryOutput(metafile: Metafile): Metafile['outputs'][string] {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined);
  if (output === undefined) throw new Error('esbuild wrote no entry point output.');
  return output;
}

describe('the function bundle', () => {
  it('is the same bytes whether CDK builds it (esbuild CLI) or the bench does (esbuild API)', () => {
    expect(built.length).toBeGreaterThan(0);
    expect(built.equals(deployed)).toBe(true);
  });

  it('passes every substitute to the esbuild CLI as an alias', () => {
    const aliases = functionBundling().esbuildArgs?.['--alias'];
    expect(aliases).toEqual(Object.entries(BUNDLE_SUBSTITUTES).map(([name, path]) => `${name}=${path}`));
  });

  it('leaves out the credential chain Lambda does not use, event streams and the endpoint cache', () => {
    const from = (fragment: string) => inputs.filter((path) => path.includes(fragment));
    expect(from('@aws-sdk/credential-provider-node/')).toEqual([]);
    expect(from('@aws-sdk/credential-provider-ini/')).toEqual([]);
    expect(from('@aws-sdk/nested-clients/')).toEqual([]);
    expect(from('@smithy/credential-provider-imds/')).toEqual([]);
    expect(from('/submodules/event-streams/')).toEqual([]);
    expect(from('@aws-sdk/endpoint-cache/')).toEqual([]);
    expect(from('mnemonist/')).toEqual([]);
    // What stands in for them, and the one credential provider Lambda needs.
    expect(from('functions/bundle-substitutes/').sort()).toEqual([
      'functions/bundle-substitutes/lambda-credentials.ts',
      'functions/bundle-substitutes/no-endpoint-cache.ts',
      'functions/bundle-substitutes/no-event-streams.ts',
      'functions/bundle-substitutes/node-http.ts',
    ]);
    expect(from('@aws-sdk/credential-provider-env/').length).toBeGreaterThan(0);
  });

  it('loads node:http with require, never with an ES module import', () => {
    const code = built.toString('utf8');
    expect(code).not.toMatch(/from\s*["']node:http["']|import\(\s*["']node:http["']\s*\)/);
    expect(code).toMatch(/require\)?\(\s*["']node:http["']\s*\)|\(["']node:http["']\)/);
  });
});
