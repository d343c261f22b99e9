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
import {
  BUNDLE_SUBSTITUTES,
  esbuildOptions,
  functionBundling,
  RECEIVER_SUBSTITUTES,
} from '../../infra/bundling.js';
import { WebhookReceiver } from '../../infra/webhook-receiver.js';
import { CDK_JSON_CONTEXT } from './stacks.js';

const ENTRY = fileURLToPath(new URL('../../functions/receiver/handler.ts', import.meta.url));

let deployed: Buffer;
let built: Buffer;
let inputs: string[];
let warnings: string[];

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
  const result = await build({
    ...esbuildOptions(ENTRY, outfile, 'receiver'),
    metafile: true,
    logLevel: 'silent',
  });
  built = readFileSync(outfile);
  inputs = Object.keys(entryOutput(result.metafile).inputs);
  warnings = result.warnings.map((warning) => `${warning.location?.file ?? ''}: ${warning.text}`);
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

  it('builds without a warning: a missing substitute export read through a namespace is only one', () => {
    expect(warnings).toEqual([]);
  });

  it('passes every substitute to the esbuild CLI as an alias', () => {
    const aliases = (substitutes: Readonly<Record<string, string>>) =>
      Object.entries(substitutes).map(([name, path]) => `${name}=${path}`);
    expect(functionBundling().esbuildArgs?.['--alias']).toEqual(aliases(BUNDLE_SUBSTITUTES));
    expect(functionBundling('receiver').esbuildArgs?.['--alias']).toEqual(aliases(RECEIVER_SUBSTITUTES));
  });

  it("keeps the receiver's own tuning out of other functions, which may import or use anything", () => {
    const general = functionBundling();
    expect(general.define ?? {}).toEqual({});
    expect(Object.keys(BUNDLE_SUBSTITUTES).filter((name) => name.startsWith('node:'))).toEqual(['node:http']);
    expect(
      Object.keys(RECEIVER_SUBSTITUTES)
        .filter((name) => name.startsWith('node:'))
        .sort(),
    ).toEqual([
      'node:crypto',
      'node:fs',
      'node:fs/promises',
      'node:http',
      'node:https',
      'node:os',
      'node:path',
      'node:process',
      'node:stream',
    ]);
    expect(functionBundling('receiver').define).toEqual({ ReadableStream: 'undefined' });
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
    expect(from('functions/bundle-substitutes/').sort()).toEqual(
      [
        ...Object.values(RECEIVER_SUBSTITUTES).map((path) => path.slice(path.indexOf('functions/'))),
        'functions/bundle-substitutes/require-builtin.ts',
      ].sort(),
    );
    expect(from('@aws-sdk/credential-provider-env/').length).toBeGreaterThan(0);
  });

  it('loads every Node.js built-in with require: the one ES module import is node:module, for require', () => {
    const code = built.toString('utf8');
    const imported = [
      ...code.matchAll(/(?:^|[;}\s])import\s*(?:[\w$*{},\s]+?\s*from\s*)?["']([^"']+)["']/g),
    ].map((match) => match[1]);
    expect(imported.length).toBeGreaterThan(0);
    expect(new Set(imported)).toEqual(new Set(['node:module']));
    // Dynamic imports of built-ins are left alone only where the SDK needs one in a mode Lambda
    // runs in rarely (async_hooks, for Lambda managed instances).
    const dynamic = [...code.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)].map((match) => match[1]);
    expect(dynamic.every((name) => name === 'node:async_hooks')).toBe(true);
    for (const name of ['node:http', 'node:https', 'node:crypto', 'node:fs', 'node:process', 'node:stream']) {
      expect(code).toContain(`("${name}")`);
    }
  });

  it('reads ReadableStream only where a typeof check guards it, so defining it as undefined is safe', async () => {
    const outfile = join(mkdtempSync(join(tmpdir(), 'esbuild-streams-')), 'index.mjs');
    const options = esbuildOptions(ENTRY, outfile, 'receiver');
    await build({ ...options, define: {}, minify: false, sourcemap: false, logLevel: 'error' });
    const uses = readFileSync(outfile, 'utf8')
      .split('\n')
      .filter((line) => /(?<![\w$.])ReadableStream\b/.test(line));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) expect(line).toMatch(/typeof ReadableStream [!=]==? "(?:function|undefined)"/);
    // And with the define, nothing of it is left, and nothing uses undefined as a stream class.
    expect(built.toString('utf8')).not.toMatch(/(?<![\w$.])ReadableStream\b/);
    await build({ ...options, minify: false, sourcemap: false, logLevel: 'error' });
    const defined = readFileSync(outfile, 'utf8');
    expect(defined).not.toMatch(/instanceof void 0|new \(void 0\)|\(void 0\)[.(]/);
  });
});
