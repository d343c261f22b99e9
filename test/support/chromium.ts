/**
 * The browser the browser tests drive: the system's Chromium (Debian's `chromium` package in CI),
 * launched headless through playwright-core, which downloads no browser of its own.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The Chromium executable: `$CHROMIUM_PATH`, else the first candidate on PATH. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const named = env.CHROMIUM_PATH;
  if (named !== undefined && named !== '') return executable(named) ? named : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    for (const name of CANDIDATES) {
      const path = join(dir, name);
      if (executable(path)) return path;
    }
  }
  return undefined;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Why the browser tests cannot run, and how to make them. */
export function missingChromiumMessage(env: NodeJS.ProcessEnv = process.env): string {
  const named = env.CHROMIUM_PATH;
  return [
    '',
    '!!! The browser tests (test/browser/) need Chromium, and none was found. !!!',
    named !== undefined && named !== ''
      ? `- CHROMIUM_PATH is set to '${named}', which is not an executable file.`
      : `- None of ${CANDIDATES.join(', ')} is on PATH, and CHROMIUM_PATH is not set.`,
    env.CI === 'true'
      ? "- In CI, .ci/run installs it with `apt-get install -y chromium`: check that step's output."
      : '- Install it: `sudo apt-get install -y chromium` (Debian/Ubuntu), `brew install --cask chromium` (macOS), or point CHROMIUM_PATH at any Chrome or Chromium binary.',
    'The browser tests are not skipped without it: install it and run again.',
    '',
  ].join('\n');
}

/**
 * Launches the system Chromium headless, or throws saying how to install it.
 *
 * @example
 * const browser = await launchChromium();
 * const page = await browser.newPage();
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (executablePath === undefined) throw new Error(missingChromiumMessage());
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start; the pages are our own.
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
}
