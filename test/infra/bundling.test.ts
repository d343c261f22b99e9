/**
 * The bundle `npm run bench` measures (and the integration tests run) is the bundle the stack
 * deploys, and the SDK code the substitutes in `infra/bundling.ts` replace is really gone from it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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

  it("keeps the receiver's own tuning out of other functions, unless one opts in to the credentials", () => {
    const aliasNames = (options: ReturnType<typeof functionBundling>) =>
      ((options.esbuildArgs?.['--alias'] ?? []) as string[]).map((alias) => alias.split('=')[0]);
    expect(Object.keys(BUNDLE_SUBSTITUTES)).toEqual(['node:http']);
    expect(aliasNames(functionBundling())).toEqual(['node:http']);
    expect(aliasNames(functionBundling('function', { envCredentialsOnly: true }))).toEqual([
      'node:http',
      '@aws-sdk/credential-provider-node',
    ]);
    expect(Object.keys(RECEIVER_SUBSTITUTES).sort()).toEqual(
      [
        '@aws-sdk/credential-provider-node',
        '@aws-sdk/endpoint-cache',
        '@smithy/core/event-streams',
        'node:http',
      ].sort(),
    );
    // Nothing is defined away: every global reads as Node has it.
    expect(functionBundling('receiver').define ?? {}).toEqual({});
    expect(functionBundling().define ?? {}).toEqual({});
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
      [...Object.values(RECEIVER_SUBSTITUTES).map((path) => path.slice(path.indexOf('functions/')))].sort(),
    );
    expect(from('@aws-sdk/credential-provider-env/').length).toBeGreaterThan(0);
  });

  it("hands every import of node:http Node's own module, and imports it nowhere as an ES module", () => {
    const code = built.toString('utf8');
    expect(code).not.toMatch(/from\s*["']node:http["']/);
    expect(code).toContain('getBuiltinModule("node:http")');
  });

  it('gives a CommonJS dependency any export of node:http it reads, not undefined', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esbuild-cjs-'));
    // A dependency in CommonJS that reads exports nobody listed, the way a package from npm may.
    writeFileSync(
      join(dir, 'dep.cjs'),
      "const http = require('node:http');\n" +
        'module.exports = { setMaxIdleHTTPParsers: http.setMaxIdleHTTPParsers, globalAgent: http.globalAgent };\n',
    );
    writeFileSync(
      join(dir, 'entry.mjs'),
      "import dep from './dep.cjs';\nimport { validateHeaderValue } from 'node:http';\nexport { dep, validateHeaderValue };\n",
    );
    const outfile = join(dir, 'out', 'index.mjs');
    await build({ ...esbuildOptions(join(dir, 'entry.mjs'), outfile), logLevel: 'silent' });

    const bundled = (await import(pathToFileURL(outfile).href)) as {
      dep: { setMaxIdleHTTPParsers: unknown; globalAgent: unknown };
      validateHeaderValue: unknown;
    };

    const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');
    expect(bundled.dep.setMaxIdleHTTPParsers).toBe(http.setMaxIdleHTTPParsers);
    expect(bundled.dep.globalAgent).toBe(http.globalAgent);
    expect(bundled.validateHeaderValue).toBe(http.validateHeaderValue);
  });
});
