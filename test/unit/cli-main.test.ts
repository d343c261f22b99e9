import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/commands/registry.js';
import type { CliIo } from '../../cli/kit/io.js';
import { MAIN_HELP, runCli } from '../../cli/main.js';

function capture(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: {
      write: (text: string) => {
        out += text;
        return true;
      },
    },
    stderr: {
      write: (text: string) => {
        err += text;
        return true;
      },
    },
    env: { NO_COLOR: '1' },
    out: () => out,
    err: () => err,
  };
}

describe('the command registry', () => {
  it.each(COMMANDS.map((command) => [command.name, command] as const))(
    '%s: listed in the main help, and `help %s` prints its own help',
    async (name, command) => {
      const io = capture();

      const code = await runCli(['help', name], io);

      expect(MAIN_HELP).toContain(`\n  ${name} `);
      expect(code).toBe(0);
      expect(io.out()).toBe((await command.load()).help);
      expect(io.out()).not.toBe(MAIN_HELP);
    },
    // `help <name>` loads the command's module graph for the first time (connect's pulls in the
    // ComplyCube client and the AWS SDK), transformed by vite on import: 5 s and more on a loaded
    // shared machine, though nothing here waits on time.
    30_000,
  );

  it('lists the commands in two sections, summaries aligned within each', () => {
    const local = MAIN_HELP.slice(MAIN_HELP.indexOf('Commands\n'), MAIN_HELP.indexOf('\n\nOperating'));
    const deployed = MAIN_HELP.slice(MAIN_HELP.indexOf('Operating'), MAIN_HELP.indexOf('\n\nQuick start'));

    expect(local).toContain('  dev     Run the stack locally');
    expect(local).toContain('  send    Sign and send ComplyCube- or Compliancely-shaped test events');
    expect(local).toContain('  help    Show the help of a command');
    expect(deployed).toContain('  replay      Replay archived events');
    expect(deployed).toContain('  quarantine  Show (and delete, once handled)');
  });

  it('suggests the closest command for a typo and exits 2', async () => {
    const io = capture();

    const code = await runCli(['replya'], io);

    expect(code).toBe(2);
    expect(io.err()).toContain("Unknown command 'replya'. Did you mean 'replay'?");
    expect(io.err()).toContain(`Commands: ${COMMANDS.map((c) => c.name).join(', ')}, help.`);
  });
});
