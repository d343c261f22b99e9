import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_PORT, DEFAULT_STATE_DIR } from '../../../local/state.js';
import { explainParseError, UsageError } from '../../kit/usage-error.js';

/** What `dev` (the local stack) was asked to do, validated. */
export interface DevOptions {
  /** The port asked for; `undefined` means the default, or the next free one if that is taken. */
  readonly port: number | undefined;
  /** Print JSON lines instead of the human log (for scripts and tests). */
  readonly json: boolean;
  /** Multiplies the retry delays of subscriber invocations (Lambda waits 1 min, then 2 min). */
  readonly timeScale: number;
  /** Where the secret, the synthesized app and `server.json` live. */
  readonly stateDir: string;
  /** `-c key=value` pairs passed to `cdk synth`. */
  readonly context: readonly string[];
}

/** Lambda's own back-off (1 min, 2 min) shrunk to 3 s and 6 s, so a failing subscriber's retries show up quickly. */
export const DEFAULT_DEV_TIME_SCALE = 0.05;

const OPTIONS = {
  port: { type: 'string', short: 'p' },
  json: { type: 'boolean' },
  'time-scale': { type: 'string' },
  'state-dir': { type: 'string' },
  context: { type: 'string', short: 'c', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

export const DEV_OPTION_NAMES = Object.keys(OPTIONS).map((name) => `--${name}`);

/**
 * Parses the arguments after `dev`. Returns `'help'` for `--help`; throws a `UsageError` otherwise.
 *
 * @example
 * parseDevArgs(['--port', '9000']); // { port: 9000, json: false, … }
 */
export function parseDevArgs(argv: readonly string[], cwd: string = process.cwd()): DevOptions | 'help' {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw explainParseError(error, DEV_OPTION_NAMES, 'dev');
  }
  const { values, positionals } = parsed;
  if (values.help === true) return 'help';
  if (positionals.length > 0) {
    throw new UsageError(
      `\`dev\` takes no arguments (got ${positionals.map((p) => `'${p}'`).join(' ')}). To send events, run \`npx complycube-webhooks send ${positionals[0]}\` in another terminal.`,
      'dev',
    );
  }
  return {
    port: port(values.port),
    json: values.json === true,
    timeScale: timeScale(values['time-scale']),
    stateDir: values['state-dir'] === undefined ? DEFAULT_STATE_DIR : resolve(cwd, values['state-dir']),
    context: (values.context ?? []).map(contextPair),
  };
}

function port(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = /^\d{1,5}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(value) || value > 65_535) {
    throw new UsageError(
      `--port must be a port number from 1 to 65535, or 0 for any free port (got '${raw}'), e.g. --port ${DEFAULT_PORT}.`,
      'dev',
    );
  }
  return value;
}

function timeScale(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_DEV_TIME_SCALE;
  const value = /^\d+(\.\d+)?(e-?\d+)?$/i.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isFinite(value) || value <= 0 || value > 1) {
    throw new UsageError(
      `--time-scale must be a number above 0 and at most 1 (got '${raw}'): 1 waits as long as Lambda does (1 min, then 2 min), 0.05 (the default) waits 3 s and 6 s.`,
      'dev',
    );
  }
  return value;
}

function contextPair(raw: string): string {
  if (!/^[A-Za-z0-9_:@/.-]+=.*$/.test(raw)) {
    throw new UsageError(
      `--context takes key=value, as \`cdk synth -c\` does (got '${raw}'), e.g. --context exampleSubscriber=false.`,
      'dev',
    );
  }
  return raw;
}
