import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `cdk synth` runs `infra/app.ts`; this runs it the same way (`node --import tsx`) with every
 * `@aws-sdk/*` and `@smithy/*` module made unresolvable (`test/support/block-aws-sdk.mjs`). The
 * construct and the functions share names through `contract/`, which imports no SDK; an import
 * that reaches the SDK from `infra/` again fails here, naming the module and its importer.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const blocker = fileURLToPath(new URL('../support/block-aws-sdk.mjs', import.meta.url));
const outdirs: string[] = [];

function runBlocked(args: readonly string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', '--import', blocker, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 110_000,
  });
}

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe('cdk synth', () => {
  it('cannot load the AWS SDK under the blocker, by import or by require', () => {
    const imported = runBlocked(['--input-type=module', '-e', "await import('@aws-sdk/client-dynamodb');"]);
    expect(imported.status).not.toBe(0);
    expect(imported.stderr).toContain('@aws-sdk/client-dynamodb');
    expect(imported.stderr).toContain('must not load the AWS SDK');

    const required = runBlocked(['--input-type=commonjs', '-e', "require('@smithy/types');"]);
    expect(required.status).not.toBe(0);
    expect(required.stderr).toContain('must not load the AWS SDK');
  });

  it('runs the app and writes the template without loading the AWS SDK', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'synth-no-sdk-'));
    outdirs.push(outdir);
    const result = runBlocked(['infra/app.ts'], {
      CDK_OUTDIR: outdir,
      // The functions' bundles are built by esbuild in its own process; skipping them keeps this fast.
      CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], compliancely: true }),
    });
    expect(result.stderr).not.toContain('must not load the AWS SDK');
    expect(result.status).toBe(0);
    expect(existsSync(join(outdir, 'ComplyCubeWebhooks.template.json'))).toBe(true);
  });
});
