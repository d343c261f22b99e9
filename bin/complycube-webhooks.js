#!/usr/bin/env node
// The project's command line. It is written in TypeScript and run through tsx (a dev dependency:
// this is a tool of the cloned project, run after `npm ci`), so nothing needs building first.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../cli/main.ts');

// The first Ctrl-C asks the command to stop and report; a second one ends the process at once
// (its exit hooks still kill the emulators).
const interrupt = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (interrupt.signal.aborted) process.exit(130);
    interrupt.abort();
  });
}

let code;
try {
  code = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    interrupt: interrupt.signal,
  });
} catch (error) {
  const lines = [];
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    lines.push(depth === 0 ? `error: ${e.message}` : `  caused by: ${e.message}`);
  }
  if (lines.length === 0) lines.push(`error: ${String(error)}`);
  if (process.env.DEBUG) lines.push(String(error instanceof Error ? error.stack : ''));
  process.stderr.write(`${lines.join('\n')}\n`);
  code = 1;
}
// Let piped output drain before exiting: open SDK sockets would otherwise keep the process alive.
await new Promise((resolve) => process.stdout.write('', resolve));
process.exit(code);
