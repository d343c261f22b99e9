/**
 * Synthesizes the CDK app exactly as `cdk deploy` would (the `app` of cdk.json, its context, the
 * bundling of every function) into a directory, and reads the stacks back out of the cloud assembly.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CfnTemplate } from './template.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface SynthesizedStack {
  readonly name: string;
  readonly template: CfnTemplate;
}

export interface Synthesis {
  readonly assemblyDir: string;
  readonly stacks: readonly SynthesizedStack[];
}

export interface SynthOptions {
  readonly outDir: string;
  /** `key=value` pairs for `-c`. */
  readonly context: readonly string[];
  /** Aborting kills the synth and everything it started. */
  readonly signal?: AbortSignal;
}

const OUTPUT_TAIL_CHARS = 6_000;

/**
 * Runs `cdk synth` into `outDir` and returns the stacks. Throws with the tail of cdk's output
 * when it fails.
 *
 * @example
 * const { stacks } = await synthesize({ outDir: '.dev/cdk.out', context: [] });
 */
export async function synthesize(options: SynthOptions): Promise<Synthesis> {
  const cli = join(createRequire(import.meta.url).resolve('aws-cdk/package.json'), '..', 'bin', 'cdk');
  const args = [
    cli,
    'synth',
    '--quiet',
    '--no-notices',
    '--output',
    options.outDir,
    ...options.context.flatMap((pair) => ['--context', pair]),
  ];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CDK_DISABLE_VERSION_CHECK: '1',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
  // Synth needs no account: without credentials the CLI never tries to look one up (which, offline,
  // would wait on a network timeout), and the local stack's dummy credentials must not leak into it.
  for (const name of Object.keys(env)) {
    if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|DEFAULT_PROFILE)$/.test(name))
      delete env[name];
  }
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env,
    // Its own process group, so stopping it also stops the app process it runs.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS * 2);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const kill = (): void => killGroup(child);
  options.signal?.addEventListener('abort', kill, { once: true });
  process.once('exit', kill);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (exitCode) => resolve(exitCode));
    });
    if (options.signal?.aborted === true) throw new Error('cdk synth was interrupted.');
    if (code !== 0) {
      throw new Error(
        `cdk synth failed (exit code ${String(code)}). Fix the app (\`npx cdk synth\` shows the same), then run \`npm run dev\` again.\n--- cdk output ---\n${output.slice(-OUTPUT_TAIL_CHARS).trim()}\n---`,
      );
    }
  } finally {
    options.signal?.removeEventListener('abort', kill);
    process.off('exit', kill);
    // Anything the CLI left running in its group.
    kill();
  }
  return { assemblyDir: options.outDir, stacks: readAssembly(options.outDir) };
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

interface Manifest {
  readonly artifacts?: Readonly<
    Record<string, { type?: string; displayName?: string; properties?: { templateFile?: string } }>
  >;
}

/** The CloudFormation stacks of a cloud assembly, in manifest order. */
export function readAssembly(assemblyDir: string): SynthesizedStack[] {
  const manifest = JSON.parse(readFileSync(join(assemblyDir, 'manifest.json'), 'utf8')) as Manifest;
  return Object.entries(manifest.artifacts ?? {}).flatMap(([id, artifact]) => {
    const file = artifact.properties?.templateFile;
    if (artifact.type !== 'aws:cloudformation:stack' || file === undefined) return [];
    const template = JSON.parse(readFileSync(join(assemblyDir, file), 'utf8')) as CfnTemplate;
    return [{ name: artifact.displayName ?? id, template }];
  });
}
