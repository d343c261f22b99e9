/**
 * Every command of `complycube-webhooks`. Adding one is two steps:
 *
 * 1. write `cli/commands/<name>.ts` exporting a `CommandModule` (its `--help` text and `run`);
 * 2. add an entry below: its name, the section of the main help it belongs to, its summary there,
 *    and how to load it.
 *
 * `cli/main.ts` then lists it in `--help`, suggests it for a typo, answers `help <name>` and runs
 * it. A module is imported only when its command runs, so `send` starts without the CDK or the
 * AWS clients the other commands need.
 */
import type { CliIo } from '../kit/io.js';
import { SENDER_PROVIDERS } from './send/providers.js';

/** What `cli/commands/<name>.ts` exports. */
export interface CommandModule {
  /** The text `<name> --help` and `help <name>` print. */
  readonly help: string;
  /**
   * Parses `argv` (the arguments after the command's name) and runs; resolves to the exit code
   * (0 ok, 1 failed, 130 interrupted). Bad arguments throw a `UsageError` (exit 2, nothing done);
   * a failed operation throws an `OpsError` whose message says what to do (exit 1).
   */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/**
 * Where the main help lists a command: `local` for working on this machine, `deployed` for
 * operating a deployed stack.
 */
export type CommandSection = 'local' | 'deployed';

export interface CommandEntry {
  readonly name: string;
  readonly section: CommandSection;
  /** The main help's description, one string per line (about 95 characters each). */
  readonly summary: readonly string[];
  load(): Promise<CommandModule>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'dev',
    section: 'local',
    summary: [
      'Run the stack locally (what `npm run dev` runs): DynamoDB Local and moto on loopback, the',
      'receiver behind a local function URL, your subscribers invoked as EventBridge would, and a',
      'live log of every request.',
    ],
    load: async () => (await import('./dev.js')).dev,
  },
  {
    name: 'send',
    section: 'local',
    summary: [
      `Sign and send ${Object.values(SENDER_PROVIDERS)
        .map((p) => p.displayName)
        .join('- or ')}-shaped test events to the local receiver, or to a deployed one.`,
    ],
    load: async () => (await import('./send.js')).send,
  },
  {
    name: 'connect',
    section: 'deployed',
    summary: [
      "Register the receiver's webhook in ComplyCube (events in step with the subscriptions) and",
      'store the secret it issues. The local stack too (npm run dev -- --complycube-api local).',
    ],
    load: async () => (await import('./connect.js')).connectCommand,
  },
  {
    name: 'status',
    section: 'deployed',
    summary: ["Compare the receiver's webhook in ComplyCube with what the stack expects; change nothing."],
    load: async () => (await import('./status.js')).statusCommand,
  },
  {
    name: 'catch-up',
    section: 'deployed',
    summary: [
      'Publish what changed in ComplyCube during a webhook gap (the state of each object now), once,',
      'marked as caught up; the local stack or --stack <name>. Resumable.',
    ],
    load: async () => (await import('./catch-up.js')).catchUpCommand,
  },
  {
    name: 'disconnect',
    section: 'deployed',
    summary: ["Delete the receiver's webhook in ComplyCube."],
    load: async () => (await import('./disconnect.js')).disconnectCommand,
  },
  {
    name: 'replay',
    section: 'deployed',
    summary: ['Replay archived events of a time window to chosen subscriptions, and follow it.'],
    load: async () => (await import('./replay.js')).replay,
  },
  {
    name: 'redrive',
    section: 'deployed',
    summary: ["Deliver a subscription's dead letters again, to the target they failed at."],
    load: async () => (await import('./redrive.js')).redrive,
  },
  {
    name: 'quarantine',
    section: 'deployed',
    summary: ["Show (and delete, once handled) what is in a receiver's quarantine queue."],
    load: async () => (await import('./quarantine.js')).quarantine,
  },
];

/** The command called `name`, if there is one. */
export function findCommand(name: string | undefined): CommandEntry | undefined {
  return COMMANDS.find((command) => command.name === name);
}
