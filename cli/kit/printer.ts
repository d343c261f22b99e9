/**
 * How a command speaks: with `--json`, one JSON object per event (`{"event": kind, ...data}`) for
 * scripts; otherwise a line of text for people, coloured on a terminal.
 */
import type { CliIo } from './io.js';
import { colorsWanted, type Paint, paint } from './terminal.js';

export interface Printer {
  /** Colours for the text lines (none with `--json` or off a terminal). */
  readonly colour: Paint;
  /** An event: its JSON object, or `text` (red, on stderr, when `toStderr`). */
  print(kind: string, data: Record<string, unknown>, text: string, toStderr?: boolean): void;
  /** A progress update (`{"event": "progress", ...}`): redrawn in place on a terminal. */
  progress(data: Record<string, unknown>, text: string): void;
  /** Ends an in-place progress line. */
  done(): void;
  /** A line for people only; nothing with `--json`. */
  line(text: string): void;
}

/**
 * @example
 * const { colour, print } = printer(io, options.json);
 * print('summary', { moved: 3 }, colour.bold('Moved 3 messages.'));
 */
export function printer(io: CliIo, json: boolean): Printer {
  const colour = paint(colorsWanted(io.stdout, io.env) && !json);
  const tty = io.stdout.isTTY === true && !json;
  let drawn = false;
  const clear = (): void => {
    if (drawn) io.stdout.write('\r\u001b[2K');
    drawn = false;
  };
  return {
    colour,
    print(kind, data, text, toStderr = false) {
      clear();
      if (json) io.stdout.write(`${JSON.stringify({ event: kind, ...data })}\n`);
      else (toStderr ? io.stderr : io.stdout).write(`${toStderr ? colour.red(text) : text}\n`);
    },
    progress(data, text) {
      if (json) {
        io.stdout.write(`${JSON.stringify({ event: 'progress', ...data })}\n`);
      } else if (tty) {
        clear();
        io.stdout.write(colour.cyan(text));
        drawn = true;
      } else {
        io.stdout.write(`${text}\n`);
      }
    },
    done: clear,
    line(text) {
      clear();
      if (!json) io.stdout.write(`${text}\n`);
    },
  };
}
