/**
 * `complycube-webhooks send`: signs fixtures the way the provider does and posts them to a receiver,
 * then says whether every answer was what a healthy receiver gives. Its parts: `send/options.ts`
 * (the arguments), `send/providers.ts` (fixtures, signing, retries per provider), `send/target.ts`,
 * `send/delivery.ts` (what to post, and posting), `send/judge.ts` (healthy or not), `send/report.ts`
 * (the output).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { DEFAULT_PORT } from '../../local/state.js';
import type { CliIo } from '../kit/io.js';
import { ProgressBar } from '../kit/progress-bar.js';
import { colorsWanted, paint } from '../kit/terminal.js';
import type { CommandModule } from './registry.js';
import { planDeliveries, post } from './send/delivery.js';
import { judgeAnswer, judgeGroups, type Outcome } from './send/judge.js';
import { parseSendArgs, type SendOptions } from './send/options.js';
import { listFixtures, retryDelaysMs, SENDER_PROVIDERS } from './send/providers.js';
import {
  answerLine,
  answerRecord,
  describePlan,
  listTypes,
  summaryLines,
  summaryRecord,
} from './send/report.js';
import { resolveTarget } from './send/target.js';

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
      --at <time>      Date the events at <time> (ISO 8601), their resource's updatedAt included,
                       instead of now: send a state older than one sent before, and a subscriber
                       with order: 'latest' skips it ("skipped: stale"). The receiver keeps events
                       older than its retention (30 days) in quarantine.
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

/** The `send` command, as the registry runs it. */
export const send: CommandModule = {
  help: SEND_HELP,
  async run(argv, io) {
    const options = parseSendArgs(argv, listFixtures);
    if (options === 'help') {
      io.stdout.write(SEND_HELP);
      return 0;
    }
    return await runSend(options, io);
  },
};

/** Runs `send` and returns the exit code: 0 when every answer was healthy, 1 otherwise, 130 when interrupted. */
export async function runSend(options: SendOptions, io: CliIo): Promise<number> {
  const colour = paint(!options.json && colorsWanted(io.stdout, io.env));
  if (options.list) return listTypes(options.provider, io, colour);

  const target = resolveTarget(options, io.env);
  const deliveries = planDeliveries(options, target.secret);
  const out = (line: string): void => {
    io.stdout.write(`${line}\n`);
  };
  const bar =
    !options.json && io.stderr.isTTY === true && deliveries.length >= 10
      ? new ProgressBar(io.stderr, deliveries.length, out)
      : undefined;
  const print = (line: string): void => (bar === undefined ? out(line) : bar.log(line));
  const emit = (record: Record<string, unknown>): void => out(JSON.stringify(record));

  if (!options.json) {
    out(
      colour.dim(
        `Sending ${describePlan(options, deliveries)} to ${target.url}${target.local ? ' (the local stack)' : ''}`,
      ),
    );
  }

  const delays = options.retry
    ? retryDelaysMs(options.provider.retryDelaysSeconds, options.timeScale, options.retries)
    : [];
  const outcomes: Outcome[] = [];
  const state = { completed: 0, inFlight: 0, waiting: 0 };
  const started = performance.now();
  let next = 0;
  const aborted = (): boolean => io.interrupt?.aborted === true;

  const worker = async (): Promise<void> => {
    while (next < deliveries.length && !aborted()) {
      const delivery = deliveries[next++];
      if (delivery === undefined) break;
      const outcome: Outcome = { delivery, answers: [], judgement: 'unexpected' };
      outcomes.push(outcome);
      for (let attempt = 0; ; attempt++) {
        state.inFlight++;
        bar?.update(state);
        const answer = await post(target.url, options, delivery, io.interrupt);
        state.inFlight--;
        outcome.answers.push(answer);
        outcome.judgement = judgeAnswer(answer, delivery);
        const wait = outcome.judgement === 'retryable' ? delays[attempt] : undefined;
        if (options.json) {
          emit(answerRecord(delivery, answer, attempt, outcome.judgement, wait));
        } else {
          print(answerLine(colour, delivery, answer, attempt, outcome.judgement, wait, options));
        }
        if (wait === undefined || aborted()) break;
        state.waiting++;
        bar?.update(state);
        const waited = await delay(wait, undefined, { signal: io.interrupt }).then(
          () => true,
          () => false,
        );
        state.waiting--;
        if (!waited) break;
      }
      if (outcome.judgement === 'retryable') outcome.judgement = 'unexpected';
      state.completed++;
      bar?.update(state);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, deliveries.length) }, worker));
  bar?.done();

  judgeGroups(outcomes);
  const interrupted = io.interrupt?.aborted === true;
  const elapsedMs = performance.now() - started;
  if (options.json) {
    emit(summaryRecord(outcomes, deliveries.length, elapsedMs, interrupted));
  } else {
    for (const line of summaryLines(colour, outcomes, deliveries.length, elapsedMs, interrupted, target))
      out(line);
  }
  if (interrupted) return 130;
  return outcomes.every((o) => o.judgement === 'expected') ? 0 : 1;
}
