/**
 * Finds a Python that can run moto's server, and when there is none, makes one: a virtual
 * environment in the project (`.dev/venv/`, ignored by git) with moto installed by pip, on the
 * first `npm run dev` only. When that cannot work (no Python, no `venv` module, pip cannot reach
 * an index), the error says exactly what to run instead.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';

/** What the local stack installs: moto's server, in the line the tests run against. */
export const MOTO_REQUIREMENT = 'moto[server]>=5.2,<6';

const IMPORT_CHECK = ['-c', 'import moto, moto.server; print(moto.__version__)'];

export interface MotoPython {
  /** The Python executable to run `-m moto.server` with. */
  readonly python: string;
  readonly version: string;
  /** `system`: moto was already installed for it; `venv`: the project's environment; `installed`: just installed there. */
  readonly source: 'system' | 'venv' | 'installed';
}

export interface MotoPythonOptions {
  /** Where the project's virtual environment lives, e.g. `.dev/venv`. */
  readonly venvDir: string;
  /** Told what is happening while installing (one line at a time). */
  readonly progress: (text: string) => void;
  /** The Python to look at first, and to make the environment with. @default 'python3' */
  readonly python?: string;
  /** The environment pip and Python run with. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
}

/** moto cannot be had; the message says what to run. */
export class MotoUnavailableError extends Error {
  override readonly name = 'MotoUnavailableError';
}

interface Ran {
  readonly ok: boolean;
  readonly output: string;
  /** Set when the command could not be started at all (e.g. ENOENT). */
  readonly spawnError?: NodeJS.ErrnoException;
}

function runPython(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  onLine?: (line: string) => void,
  signal?: AbortSignal,
): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(command, [...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(signal === undefined ? {} : { signal }),
    });
    let output = '';
    let partial = '';
    const take = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      output += text;
      if (output.length > 64 * 1024) output = output.slice(-32 * 1024);
      if (onLine === undefined) return;
      const lines = (partial + text).split(/\r?\n|\r/);
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') onLine(line.trim());
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, output, spawnError: error }));
    child.once('close', (code) => {
      if (onLine !== undefined && partial.trim() !== '') onLine(partial.trim());
      resolve({ ok: code === 0, output: output.trim() });
    });
  });
}

/** The environment's Python executable (`bin/python`, or `Scripts\python.exe` on Windows). */
export function venvPython(venvDir: string): string {
  return process.platform === 'win32'
    ? join(venvDir, 'Scripts', 'python.exe')
    : join(venvDir, 'bin', 'python');
}

function lastLines(text: string, count: number): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(-count)
    .join(' / ');
}

/**
 * A Python with moto's server: the system's if it has moto, else the project's environment, made
 * and filled on first use.
 *
 * @example
 * const { python } = await motoPython({ venvDir: '.dev/venv', progress: (text) => console.log(text) });
 * spawn(python, ['-m', 'moto.server', '-p', '5000']);
 */
export async function motoPython(options: MotoPythonOptions): Promise<MotoPython> {
  const env = options.env ?? process.env;
  const system = options.python ?? 'python3';
  const own = venvPython(options.venvDir);
  // Paths in messages relative to where `npm run dev` runs (the project root) when inside it.
  const near = (path: string): string => {
    const rel = relative(process.cwd(), path);
    return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
  };
  const shown = near(options.venvDir);

  const onSystem = await runPython(system, IMPORT_CHECK, env);
  if (onSystem.ok) return { python: system, version: onSystem.output, source: 'system' };
  if (existsSync(own)) {
    const inVenv = await runPython(own, IMPORT_CHECK, env);
    if (inVenv.ok) return { python: own, version: inVenv.output, source: 'venv' };
  }

  const pipCommand = `${near(own)} -m pip install "${MOTO_REQUIREMENT}"`;
  const systemPip = `${system} -m pip install "${MOTO_REQUIREMENT}"`;
  if (onSystem.spawnError !== undefined) {
    throw new MotoUnavailableError(
      [
        `The local stack runs moto (AWS emulators) on Python 3, and \`${system}\` is not on this machine's PATH.`,
        'Install Python 3 (Debian/Ubuntu: `sudo apt-get install python3 python3-venv`; macOS: `brew install python`), then run `npm run dev` again.',
      ].join('\n'),
    );
  }

  if (!existsSync(own)) {
    options.progress(
      `moto is not installed for ${system}: making a project environment in ${shown} (first run only)…`,
    );
    const made = await runPython(system, ['-m', 'venv', options.venvDir], env, undefined, options.signal);
    if (!made.ok || !existsSync(own)) {
      const missingModule = /ensurepip|No module named venv|python3-venv/i.test(made.output);
      throw new MotoUnavailableError(
        [
          `Could not make a Python environment in ${shown}: \`${system} -m venv ${shown}\` failed (${lastLines(made.output, 2) || 'no output'}).`,
          missingModule
            ? "Python's venv module is missing. Debian/Ubuntu: `sudo apt-get install python3-venv`, then run `npm run dev` again."
            : `Remove ${shown} and run \`npm run dev\` again.`,
          `Or install moto for ${system} yourself and run \`npm run dev\` again: ${systemPip}`,
        ].join('\n'),
      );
    }
  }

  options.progress(`installing ${MOTO_REQUIREMENT} into ${shown} with pip (first run only; a minute or so)…`);
  const installed = await runPython(
    own,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--progress-bar', 'off', MOTO_REQUIREMENT],
    env,
    (line) => {
      // pip's own lines, shortened to what tells progress: what it collects and installs.
      if (/^(Collecting|Downloading|Installing|Successfully|Using cached|ERROR)/.test(line)) {
        options.progress(`  pip: ${line.length > 140 ? `${line.slice(0, 139)}…` : line}`);
      }
    },
    options.signal,
  );
  const check = installed.ok ? await runPython(own, IMPORT_CHECK, env) : undefined;
  if (check?.ok !== true) {
    const offline =
      /Could not find a version|No matching distribution|NewConnectionError|Temporary failure in name resolution|Network is unreachable|ConnectTimeout|Max retries/i.test(
        installed.output,
      );
    throw new MotoUnavailableError(
      [
        `Could not install moto into ${shown}: pip failed (${lastLines(installed.output, 2) || 'no output'}).`,
        offline
          ? 'pip could not reach a package index (offline, or behind a proxy pip does not know about).'
          : "See pip's message above.",
        `When pip can reach the index, run this, then \`npm run dev\` again:\n  ${pipCommand}`,
        `Or install moto for ${system} yourself: ${systemPip}`,
      ].join('\n'),
    );
  }
  options.progress(`moto ${check.output} installed in ${shown}`);
  return { python: own, version: check.output, source: 'installed' };
}
