/**
 * `complycube-webhooks`: the project's command line (`npx complycube-webhooks …`, `npm run dev`).
 *
 * Exit codes: 0 done and healthy; 1 a failure, or an answer a healthy receiver would not give;
 * 2 bad arguments (nothing was done); 130 interrupted.
 */

import { DEFAULT_PORT } from '../local/state.js';
import { DEFAULT_DEV_TIME_SCALE, parseDevArgs } from './commands/dev/options.js';
import { isOpsCommand, OPS_COMMANDS, OPS_SUMMARY, opsHelp, runOpsCommand } from './commands/registry.js';
import { parseSendArgs } from './commands/send/options.js';
import { listFixtures, SENDER_PROVIDERS } from './commands/send/providers.js';
import { runSend } from './commands/send.js';
import type { CliIo } from './kit/io.js';
import { closest, didYouMean, UsageError } from './kit/usage-error.js';

const COMMANDS = ['dev', 'send', ...OPS_COMMANDS, 'help'] as const;

export const MAIN_HELP = `complycube-webhooks: run the webhook receiver on your machine, and send it signed test events.

Usage
  npx complycube-webhooks <command> [options]

Commands
  dev     Run the stack locally (what \`npm run dev\` runs): DynamoDB Local and moto on loopback, the
          receiver behind a local function URL, your subscribers invoked as EventBridge would, and a
          live log of every request.
  send    Sign and send ${Object.values(SENDER_PROVIDERS)
    .map((p) => p.displayName)
    .join('- or ')}-shaped test events to the local receiver, or to a deployed one.
  help    Show the help of a command: \`npx complycube-webhooks help send\`.

Operating a deployed stack (README, "Operating it")
${OPS_SUMMARY}

Quick start (two terminals)
  npm run dev
  npx complycube-webhooks send check.completed.clear

Exit codes: 0 ok · 1 failed, or an answer a healthy receiver would not give · 2 bad arguments · 130 interrupted.
`;

export const SEND_HELP = `Sign and send test events, the way the provider does, and check every answer.

Usage
  npx complycube-webhooks send <event>... [options]
  npx complycube-webhooks send --all [options]

<event> is the name of a fixture (fixtures/<provider>/<event>.json), e.g. check.completed.clear,
or a family ending in * (quote it: 'check.completed*'). Each send gets a fresh id and timestamps.
\`--list\` shows every fixture.

Where to send
  --url <url>          A deployed function URL (the stack's WebhookUrl output). Default: the local stack
                       started by \`npm run dev\` (http://127.0.0.1:${DEFAULT_PORT}/ unless it said otherwise).
  --secret <secret>    The webhook secret to sign with. Default: $WEBHOOK_SECRET, else the local stack's.
                       Prefer WEBHOOK_SECRET for a real secret: arguments show up in \`ps\` and shell history.
  --provider <name>    ${Object.keys(SENDER_PROVIDERS).join(' or ')} (default complycube).

What to send
  -a, --all            Every fixture of the provider.
  -n, --repeat <n>     Send each event n times, each time as a new event (fresh id). Default 1.
  -d, --duplicate      Send every event twice with the same id and body, as a provider's redelivery
                       does: one copy is accepted, the other answered duplicate (or 409 in progress).
      --tamper         Change each body after signing it: a healthy receiver answers 401 forged.
      --shuffle        Send in random order.
  -c, --concurrency <n>  Requests in flight at once. Default 1.

Retries
      --retry          Retry an answer that is not 2xx on the provider's schedule (ComplyCube: 60 s,
                       120 s, 480 s, then doubling, 10 retries; Compliancely: 3 min, 6 min).
      --retries <n>    Retry at most n times (default: the whole schedule).
      --time-scale <x> Multiply the waits, e.g. 0.01 turns 60 s into 0.6 s. Default 1.
      --timeout <s>    Seconds to wait for an answer before counting the attempt as failed. Default 15,
                       as ComplyCube waits.

Output
      --json           One JSON object per answer, then a summary (for scripts).
  -l, --list           List the fixtures and exit.
  -h, --help           This help.

Each answer is printed with its status, body and latency, then a summary. The exit code is 0 when
every answer was what a healthy receiver gives (2xx, one acceptance per event; 401 for --tamper),
1 otherwise.

Examples
  npx complycube-webhooks send check.completed.clear
  npx complycube-webhooks send 'check.completed*' --duplicate
  npx complycube-webhooks send --all --repeat 20 --concurrency 8 --shuffle
  npx complycube-webhooks send check.completed.clear --tamper
  npx complycube-webhooks send --all --retry --time-scale 0.01
  WEBHOOK_SECRET=… npx complycube-webhooks send client.created --url https://abc.lambda-url.eu-west-2.on.aws/
`;

export const DEV_HELP = `Run the stack on your machine: the receiver and your subscribers against local AWS emulators.

Usage
  npm run dev [-- options]
  npx complycube-webhooks dev [options]

What it does
  1. Synthesizes the CDK app (\`cdk synth\`, the same app you deploy) into .dev/cdk.out.
  2. Starts DynamoDB Local and moto on loopback, and creates in them what the template declares:
     the idempotency table (key schema, TTL), the event bus, the queues and every rule with its
     event pattern.
  3. Serves each receiver's function URL on http://127.0.0.1:${DEFAULT_PORT}/ (its bundled code, the
     handler the template names), building the events a function URL builds.
  4. Invokes your subscriber functions when their rules match, with the event EventBridge delivers,
     and Lambda's retries for asynchronous invocations when they fail.
  5. Prints a live log: each request and its verdict, the rules it matched, what each subscriber did.

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
  -h, --help             This help.

Needs Java 17+ (DynamoDB Local) and Python 3 with moto[server] 5.2 (README, "Tests").
Ctrl-C stops everything it started.
`;

const HELP: Record<string, string> = { dev: DEV_HELP, send: SEND_HELP };

/**
 * Runs the command line and resolves to the exit code.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h') {
      io.stdout.write(MAIN_HELP);
      return command === undefined ? 2 : 0;
    }
    if (command === 'help') {
      const topic = rest[0];
      if (isOpsCommand(topic)) {
        io.stdout.write(await opsHelp(topic));
        return 0;
      }
      io.stdout.write(
        topic !== undefined && Object.hasOwn(HELP, topic) ? (HELP[topic] ?? MAIN_HELP) : MAIN_HELP,
      );
      return 0;
    }
    if (command === 'send') {
      const options = parseSendArgs(rest, listFixtures);
      if (options === 'help') {
        io.stdout.write(SEND_HELP);
        return 0;
      }
      return await runSend(options, io);
    }
    if (command === 'dev') {
      const options = parseDevArgs(rest);
      if (options === 'help') {
        io.stdout.write(DEV_HELP);
        return 0;
      }
      // Loaded only here: the CDK and the emulators are not needed to send.
      const { runDev } = await import('../local/run.js');
      return await runDev(options, io);
    }
    if (isOpsCommand(command)) return await runOpsCommand(command, rest, io);
    throw new UsageError(
      `Unknown command '${command}'.${didYouMean(closest(command, COMMANDS))} Commands: ${COMMANDS.join(', ')}.`,
    );
  } catch (error) {
    if (error instanceof UsageError) {
      const help =
        error.command === undefined
          ? 'npx complycube-webhooks --help'
          : `npx complycube-webhooks ${error.command} --help`;
      io.stderr.write(`error: ${error.message}\n(${help} shows every option.)\n`);
      return 2;
    }
    throw error;
  }
}
