/**
 * `complycube-webhooks`: the project's command line (`npx complycube-webhooks …`, `npm run dev`).
 * The commands are listed in `cli/commands/registry.ts`; this file is the front: the main help,
 * `help <command>`, and turning usage errors and failures into messages and exit codes.
 *
 * Exit codes: 0 done and healthy; 1 a failure, or an answer a healthy receiver would not give;
 * 2 bad arguments (nothing was done); 130 interrupted.
 */
import { COMMANDS, type CommandSection, findCommand } from './commands/registry.js';
import { describeFailure, OpsError } from './kit/failure.js';
import type { CliIo } from './kit/io.js';
import { closest, didYouMean, UsageError } from './kit/usage-error.js';

/** The main help's command lists: a title, and the column the summaries start at. */
const SECTIONS: readonly { section: CommandSection; title: string; column: number; extra?: string }[] = [
  {
    section: 'local',
    title: 'Commands',
    column: 10,
    extra: '  help    Show the help of a command: `npx complycube-webhooks help send`.',
  },
  { section: 'deployed', title: 'Operating a deployed stack (README, "Operating it")', column: 14 },
];

function commandList(section: CommandSection, column: number): string[] {
  return COMMANDS.filter((command) => command.section === section).flatMap(({ name, summary }) =>
    summary.map((line, index) =>
      index === 0 ? `  ${name}`.padEnd(column) + line : `${' '.repeat(column)}${line}`,
    ),
  );
}

export const MAIN_HELP = `complycube-webhooks: run the webhook receiver on your machine, and send it signed test events.

Usage
  npx complycube-webhooks <command> [options]

${SECTIONS.map(({ section, title, column, extra }) =>
  [title, ...commandList(section, column), ...(extra === undefined ? [] : [extra])].join('\n'),
).join('\n\n')}

Quick start (two terminals)
  npm run dev
  npx complycube-webhooks send check.completed.clear

Exit codes: 0 ok · 1 failed, or an answer a healthy receiver would not give · 2 bad arguments · 130 interrupted.
`;

/** Every word the CLI takes as a command, for "did you mean". */
const COMMAND_NAMES = [...COMMANDS.map((command) => command.name), 'help'];

/**
 * Runs the command line and resolves to the exit code.
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h') {
      io.stdout.write(MAIN_HELP);
      return name === undefined ? 2 : 0;
    }
    if (name === 'help') {
      const topic = findCommand(rest[0]);
      io.stdout.write(topic === undefined ? MAIN_HELP : (await topic.load()).help);
      return 0;
    }
    const command = findCommand(name);
    if (command === undefined) {
      throw new UsageError(
        `Unknown command '${name}'.${didYouMean(closest(name, COMMAND_NAMES))} Commands: ${COMMAND_NAMES.join(', ')}.`,
      );
    }
    return await (await command.load()).run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      const help =
        error.command === undefined
          ? 'npx complycube-webhooks --help'
          : `npx complycube-webhooks ${error.command} --help`;
      io.stderr.write(`error: ${error.message}\n(${help} shows every option.)\n`);
      return 2;
    }
    if (error instanceof OpsError) {
      io.stderr.write(`${describeFailure(error)}\n`);
      return 1;
    }
    throw error;
  }
}
