/**
 * A PATH on which some commands are missing: one directory of links to every executable on the
 * current PATH except those named, for tests that play a machine without Java.
 */
import { accessSync, constants, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface HiddenPath {
  /** The PATH value to run with. */
  readonly path: string;
  remove(): void;
}

/**
 * @example
 * const noJava = pathWithout(['java']);
 * spawn('node', args, { env: { ...process.env, PATH: noJava.path } });
 * noJava.remove();
 */
export function pathWithout(hidden: readonly string[], path: string = process.env.PATH ?? ''): HiddenPath {
  const dir = mkdtempSync(join(tmpdir(), 'path-without-'));
  const linked = new Set<string>(hidden);
  for (const source of path.split(delimiter).filter((entry) => entry !== '')) {
    let names: string[];
    try {
      names = readdirSync(source);
    } catch {
      continue;
    }
    for (const name of names) {
      if (linked.has(name)) continue;
      const target = join(source, name);
      try {
        accessSync(target, constants.X_OK);
      } catch {
        continue;
      }
      symlinkSync(target, join(dir, name));
      linked.add(name);
    }
  }
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
