/**
 * `complycube-webhooks replay`: re-delivers archived events of a time window to chosen
 * subscriptions, through EventBridge's own replay (archive → bus, limited to the chosen rules),
 * and follows it until it is done. Its parts: `replay/options.ts` (the arguments),
 * `replay/plan.ts` (what goes where), `replay/follow.ts` (watching it run).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { CancelReplayCommand, StartReplayCommand } from '@aws-sdk/client-eventbridge';
import { awsFailure, opsClients } from '../aws/clients.js';
import { OpsError } from '../kit/failure.js';
import type { CliIo } from '../kit/io.js';
import { printer } from '../kit/printer.js';
import type { CommandModule } from './registry.js';
import { follow, notFoundOr, type ReplayDeps } from './replay/follow.js';
import { parseReplayArgs, type ReplayOptions } from './replay/options.js';
import { planReplay, printPlan } from './replay/plan.js';

export const REPLAY_HELP = `Replay archived events to subscriptions: EventBridge re-delivers every event of a time window
from the receiver's archive to the rules you choose, and this follows it until it is done.

Usage
  npx complycube-webhooks replay --bus <name> --from <time> (--rule <name> | --type <type> | --all) [options]
  npx complycube-webhooks replay --status <replay name> | --cancel <replay name>

Which events
  --bus <name>         The event bus (the stack's EventBusName output). Required.
  --provider <name>    complycube (default) or compliancely: whose archive and subscriptions.
  --from <time>        Start of the window: 2026-03-01T09:00:00Z, or how long ago: 30m, 6h, 2d. Required.
  --to <time>          End of the window. Default: now.
                       The window is matched against each event's own time (ComplyCube's createdAt,
                       Compliancely's updated_date), not the time it was received.
  --archive <name>     The archive to replay from. Default: the provider's archive on the bus.

To whom (one of these; replays never reach a rule you did not choose)
  --rule <name>        A subscription's rule: its name, or a part of it such as OnCheckCompletedAll.
                       Repeat for several.
  --type <type>        The subscriptions that receive this type (or family: 'check.completed*').
                       Repeatable. A chosen subscription gets every event of the window it matches,
                       including other types it subscribes to; the plan says so.
  --all                Every subscription of the provider.

Running it
  --dry-run            Show the plan (archive, window, rules) and start nothing.
  --name <name>        The replay's name. Default: <provider>-<UTC time>.
  --no-wait            Start it and exit; follow it later with --status.
  --status <name>      Show a replay's progress, and wait for it unless --no-wait.
  --cancel <name>      Cancel a running replay. Events already replayed stay delivered.
  --poll <seconds>     How often to check progress. Default 5.
  --region <region>    Default: AWS_REGION or your profile's.
  --json               JSON lines instead of text (for scripts).
  -h, --help           This help.

Subscribers see replayed events with a "replay-name" field; the receiver's idempotency does not
apply to them (they never pass through it), so a subscriber that must not act twice keys its work
on detail.id.

Exit codes: 0 completed (or planned, started with --no-wait, cancelled on request) · 1 the replay
failed or was cancelled · 2 bad arguments · 130 interrupted (the replay carries on in EventBridge).

Examples
  npx complycube-webhooks replay --bus ComplyCubeWebhooks-Bus --from 6h --rule OnCheckCompletedAll
  npx complycube-webhooks replay --bus ComplyCubeWebhooks-Bus --from 2026-03-01T00:00:00Z --to 2026-03-02T00:00:00Z --type client.deleted --dry-run
  npx complycube-webhooks replay --status complycube-20260301T120000Z
`;

/** The `replay` command, as the registry runs it. */
export const replay: CommandModule = {
  help: REPLAY_HELP,
  async run(argv, io) {
    const options = parseReplayArgs(argv, Date.now());
    if (options === 'help') return help(io);
    return await runReplay(options, io);
  },
};

function help(io: CliIo): number {
  io.stdout.write(REPLAY_HELP);
  return 0;
}

/**
 * Runs `replay` and resolves to the exit code.
 *
 * @example
 * const options = parseReplayArgs(argv, Date.now());
 * if (options !== 'help') process.exitCode = await runReplay(options, io);
 */
export async function runReplay(
  options: ReplayOptions,
  io: CliIo,
  deps: Partial<ReplayDeps> = {},
): Promise<number> {
  const full: ReplayDeps = {
    clients: deps.clients ?? opsClients(options.region),
    now: deps.now ?? Date.now,
    sleep: deps.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }).then(() => undefined)),
  };
  const out = printer(io, options.json);
  const { eventBridge } = full.clients;
  if (options.action !== 'start') {
    if (options.action === 'status') return follow(eventBridge, options.name, options, io, full);
    const result = await eventBridge
      .send(new CancelReplayCommand({ ReplayName: options.name }))
      .catch((error: unknown) => {
        throw notFoundOr(error, options.name, 'cancel the replay');
      });
    out.print(
      'cancelled',
      { replay: options.name, state: result.State },
      `Replay ${options.name}: ${result.State ?? 'CANCELLING'}. Events already replayed stay delivered.`,
    );
    return 0;
  }

  const plan = await planReplay(eventBridge, options, full.now());
  printPlan(out, options, plan);
  if (options.dryRun) {
    out.print(
      'dry_run',
      { replay: options.name },
      '\nDry run: nothing was started. Run the same command without --dry-run to start it.',
    );
    return 0;
  }
  await eventBridge
    .send(
      new StartReplayCommand({
        ReplayName: options.name,
        Description: `complycube-webhooks replay of ${options.provider.name} events to ${plan.rules.length} rule(s)`,
        EventSourceArn: plan.archive.arn,
        EventStartTime: options.from,
        EventEndTime: options.to,
        Destination: { Arn: plan.bus.arn, FilterArns: plan.rules.map((rule) => rule.arn) },
      }),
    )
    .catch((error: unknown) => {
      const name = error instanceof Error ? error.name : '';
      if (name === 'ResourceAlreadyExistsException') {
        throw new OpsError(`A replay named ${options.name} already exists; pass another --name.`, {
          cause: error,
        });
      }
      if (name === 'LimitExceededException') {
        throw new OpsError(
          'EventBridge is running as many replays as the account may run at once; wait for one to finish (replay --status <name>) and try again.',
          { cause: error },
        );
      }
      throw awsFailure(error, `start the replay ${options.name}`);
    });
  out.print('started', { replay: options.name }, `\nStarted replay ${options.name}.`);
  if (!options.wait) {
    out.line(`Follow it: npx complycube-webhooks replay --status ${options.name}`);
    return 0;
  }
  return follow(eventBridge, options.name, options, io, full);
}
