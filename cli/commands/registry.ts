/**
 * The operations commands of `complycube-webhooks`: `replay`, `redrive` and `quarantine`, for a
 * deployed stack. Each is loaded only when used, so the other commands start without the AWS
 * clients these need.
 */

import { OpsError } from '../aws/clients.js';
import type { CliIo } from '../kit/io.js';

export const OPS_COMMANDS = ['replay', 'redrive', 'quarantine'] as const;
export type OpsCommand = (typeof OPS_COMMANDS)[number];

export function isOpsCommand(command: string | undefined): command is OpsCommand {
  return OPS_COMMANDS.some((c) => c === command);
}

/** One line each, for the main help. */
export const OPS_SUMMARY = `  replay      Replay archived events of a time window to chosen subscriptions, and follow it.
  redrive     Deliver a subscription's dead letters again, to the target they failed at.
  quarantine  Show (and delete, once handled) what is in a receiver's quarantine queue.`;

/** The help text of an operations command. */
export async function opsHelp(command: OpsCommand): Promise<string> {
  switch (command) {
    case 'replay':
      return (await import('./replay.js')).REPLAY_HELP;
    case 'redrive':
      return (await import('./redrive.js')).REDRIVE_HELP;
    case 'quarantine':
      return (await import('./quarantine.js')).QUARANTINE_HELP;
  }
}

/**
 * Parses and runs an operations command; resolves to the exit code. Bad arguments throw the
 * `UsageError` the caller prints (exit 2); a failed operation prints what went wrong and what to
 * do, with its causes, and resolves to 1.
 *
 * @example
 * await runOpsCommand('replay', ['--bus', 'b', '--from', '6h', '--all', '--dry-run'], io);
 */
export async function runOpsCommand(
  command: OpsCommand,
  argv: readonly string[],
  io: CliIo,
): Promise<number> {
  try {
    switch (command) {
      case 'replay': {
        const { parseReplayArgs, REPLAY_HELP, runReplay } = await import('./replay.js');
        const options = parseReplayArgs(argv, Date.now());
        if (options === 'help') return help(io, REPLAY_HELP);
        return await runReplay(options, io);
      }
      case 'redrive': {
        const { parseRedriveArgs, REDRIVE_HELP, runRedrive } = await import('./redrive.js');
        const options = parseRedriveArgs(argv);
        if (options === 'help') return help(io, REDRIVE_HELP);
        return await runRedrive(options, io);
      }
      case 'quarantine': {
        const { parseQuarantineArgs, QUARANTINE_HELP, runQuarantine } = await import('./quarantine.js');
        const options = parseQuarantineArgs(argv);
        if (options === 'help') return help(io, QUARANTINE_HELP);
        return await runQuarantine(options, io);
      }
    }
  } catch (error) {
    if (!(error instanceof OpsError)) throw error;
    io.stderr.write(`${describeFailure(error)}\n`);
    return 1;
  }
}

function help(io: CliIo, text: string): number {
  io.stdout.write(text);
  return 0;
}

/** `error: …` and a `caused by: …` line per cause. */
export function describeFailure(error: Error): string {
  const lines = [`error: ${error.message}`];
  for (
    let cause = error.cause, depth = 0;
    cause instanceof Error && depth < 4;
    cause = cause.cause, depth++
  ) {
    lines.push(`  caused by: ${cause.name === 'Error' ? '' : `${cause.name}: `}${cause.message}`);
  }
  return lines.join('\n');
}
