/**
 * `complycube-webhooks dev` (`npm run dev`): its help, its arguments, and the start of the local
 * stack (`local/run.ts`), loaded only when it runs.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { DevOptions } from '../../local/run.js';
import { DEFAULT_INSPECTOR_PORT, DEFAULT_PORT, DEFAULT_STATE_DIR } from '../../local/state.js';
import { explainParseError, UsageError } from '../kit/usage-error.js';
import type { CommandModule } from './registry.js';

export type { DevOptions };

/** Lambda's own back-off (1 min, 2 min) shrunk to 3 s and 6 s, so a failing subscriber's retries show up quickly. */
export const DEFAULT_DEV_TIME_SCALE = 0.05;

const OPTIONS = {
  port: { type: 'string', short: 'p' },
  json: { type: 'boolean' },
  'time-scale': { type: 'string' },
  'state-dir': { type: 'string' },
  context: { type: 'string', short: 'c', multiple: true },
  'inspector-port': { type: 'string' },
  'complycube-api': { type: 'string' },
  'deliver-twice': { type: 'boolean' },
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
    inspectorPort: port(values['inspector-port'], '--inspector-port', DEFAULT_INSPECTOR_PORT),
    ...complyCubeApi(values['complycube-api']),
    ...(values['deliver-twice'] === true ? { deliverTwice: true } : {}),
  };
}

function complyCubeApi(raw: string | undefined): { complyCubeApi?: 'local' } {
  if (raw === undefined || raw === 'none') return {};
  if (raw === 'local') return { complyCubeApi: 'local' };
  throw new UsageError(
    `--complycube-api takes 'local' (run the ComplyCube API emulator beside the stack) or 'none' (got '${raw}').`,
    'dev',
  );
}

function port(raw: string | undefined, name = '--port', example = DEFAULT_PORT): number | undefined {
  if (raw === undefined) return undefined;
  const value = /^\d{1,5}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(value) || value > 65_535) {
    throw new UsageError(
      `${name} must be a port number from 1 to 65535, or 0 for any free port (got '${raw}'), e.g. ${name} ${example}.`,
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

export const DEV_HELP = `Run the stack on your machine: the receiver and your subscribers against local AWS emulators.

Usage
  npm run dev [-- options]
  npx complycube-webhooks dev [options]

What it does
  1. Synthesizes the CDK app (\`cdk synth\`, the same app you deploy) into .dev/cdk.out.
  2. Starts DynamoDB Local (or, without Java, moto for DynamoDB too) and moto on loopback, and
     creates in them what the template declares: the idempotency table (key schema, TTL), the event
     bus, the queues and every rule with its event pattern.
  3. Serves each receiver's function URL on http://127.0.0.1:${DEFAULT_PORT}/ (its bundled code, the
     handler the template names), building the events a function URL builds.
  4. Invokes your subscriber functions when their rules match, with the event EventBridge delivers,
     and Lambda's retries for asynchronous invocations when they fail.
  5. Prints a live log: each request and its verdict, the rules it matched, what each subscriber did.
  6. Serves the inspector, a page on http://127.0.0.1:${DEFAULT_INSPECTOR_PORT}/ (loopback only): every delivery live,
     its headers (signature masked), body, bus entry, rules and subscriber runs; resend one, or send
     any fixture once, tampered or twice.

A local webhook secret is created on first run (.dev/webhook-secret; never printed) and stored in the
local Secrets Manager. \`npx complycube-webhooks send …\` finds both the URL and the secret by itself.

Options
  -p, --port <port>      Port of the local function URL. Default ${DEFAULT_PORT}, or the next free one if it
                         is taken; a port you name must be free. 0 takes any free port.
      --time-scale <x>   Multiply Lambda's retry waits (1 min, then 2 min) for failing subscribers.
                         Default ${DEFAULT_DEV_TIME_SCALE} (3 s, then 6 s); 1 waits as long as Lambda.
  -c, --context <k=v>    Passed to \`cdk synth\` as -c k=v, e.g. --context compliancely=true (repeatable).
      --json             JSON lines instead of the human log (for scripts and tests).
      --state-dir <dir>  Where the secret, the synthesized app and server.json live. Default .dev/.
      --inspector-port <port>  Port of the inspector page. Default ${DEFAULT_INSPECTOR_PORT}, or the next free one;
                         with --port 0, any free one. A port you name must be free.
      --deliver-twice    Deliver every event to each subscriber function twice, one copy after the
                         other, as EventBridge may: see what your subscriber does with a duplicate
                         (with once, the live log says "skipped: duplicate"; docs/subscribers.md).
      --complycube-api local
                         Also run the ComplyCube API emulator (a test tool, docs/connect.md), so
                         \`npx complycube-webhooks connect\` and \`status\` work without an account.
  -h, --help             This help.

Needs Node.js 20+ and Python 3. When no python3 has moto, the first start installs moto[server] 5.2
into .dev/venv (pip, needs the network once). Without Java 17 for DynamoDB Local, moto serves DynamoDB
too, and the start says so. docs/local-stack.md has the details.
Ctrl-C stops everything it started.
`;

/** The `dev` command, as the registry runs it. */
export const dev: CommandModule = {
  help: DEV_HELP,
  async run(argv, io) {
    const options = parseDevArgs(argv);
    if (options === 'help') {
      io.stdout.write(DEV_HELP);
      return 0;
    }
    // Loaded only here: the CDK and the emulators are not needed to send.
    const { runDev } = await import('../../local/run.js');
    return await runDev(options, io);
  },
};
