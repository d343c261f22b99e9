import { stripVTControlCharacters, styleText } from 'node:util';

/**
 * Colours for people, never for pipes: only when the stream is a TTY and `NO_COLOR` is not set
 * (`FORCE_COLOR` forces them, e.g. under a CI log viewer that renders them).
 */
export interface Paint {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  magenta(text: string): string;
}

/** Whether to colour output on `stream` in this environment. */
export function colorsWanted(
  stream: { readonly isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/**
 * Colours when `enabled` (Node's `util.styleText`), identity functions otherwise. Whether to colour
 * is decided here, from the command's own streams and environment, so styleText's check of the
 * process's stdout is turned off.
 */
export function paint(enabled: boolean): Paint {
  const style =
    (format: Parameters<typeof styleText>[0]) =>
    (text: string): string =>
      enabled ? styleText(format, text, { validateStream: false }) : text;
  return {
    enabled,
    bold: style('bold'),
    dim: style('dim'),
    red: style('red'),
    green: style('green'),
    yellow: style('yellow'),
    cyan: style('cyan'),
    magenta: style('magenta'),
  };
}

/** `41 ms`, `1.8 s`, `2 min 5 s`: a duration as a person reads it. */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  if (minutes < 60) return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** Pads to `width` visible characters (ANSI codes not counted). */
export function pad(text: string, width: number): string {
  const visible = stripVTControlCharacters(text).length;
  return visible >= width ? text : `${text}${' '.repeat(width - visible)}`;
}

/** At most `max` characters, with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
