/**
 * The local stack's own Python environment for moto, as far as it runs offline: the environment is
 * made with the real `python3 -m venv`; pip then either cannot reach an index (and the error says
 * exactly what to run), or installs from a local wheel directory. No index with moto is reachable
 * here, so the installed wheel is a stand-in with moto's name and modules (built below): what is
 * tested is our install-then-use path, not moto's packaging.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { MOTO_REQUIREMENT, MotoUnavailableError, motoPython, venvPython } from '../../local/python-env.js';

const VENV_MS = 180_000;
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'moto-venv-'));
  dirs.push(dir);
  return dir;
}

/**
 * A `python3` without moto: the system's, started with `-S` (no site-packages), so the check fails
 * as on a machine where moto was never installed. `venvFails` makes `-m venv` fail as Debian's
 * Python does without the python3-venv package.
 */
function pythonWithoutMoto(dir: string, venvFails = false): string {
  const path = join(dir, 'python3');
  const debianRefusal =
    'echo "The virtual environment was not created successfully because ensurepip is not available.  On Debian/Ubuntu systems, you need to install the python3-venv package" >&2; exit 1';
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      venvFails ? `if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then ${debianRefusal}; fi` : '',
      'exec python3 -S "$@"',
      '',
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  return path;
}

/** pip with no config files, no retries, and an index on a port nothing listens on. */
async function offlinePipEnv(): Promise<NodeJS.ProcessEnv> {
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 9));
    });
  });
  return {
    ...process.env,
    PIP_CONFIG_FILE: '/dev/null',
    PIP_INDEX_URL: `http://127.0.0.1:${port}/simple`,
    PIP_FIND_LINKS: '',
    PIP_RETRIES: '0',
    PIP_TIMEOUT: '5',
  };
}

/** A minimal wheel (a zip) named moto, with `moto/__init__.py` and `moto/server.py`. */
function standInMotoWheel(dir: string, version: string): void {
  const distInfo = `moto-${version}.dist-info`;
  const files: Record<string, string> = {
    'moto/__init__.py': `__version__ = "${version}"\n`,
    'moto/server.py': '# A stand-in: the test only imports it.\n',
    [`${distInfo}/METADATA`]: `Metadata-Version: 2.1\nName: moto\nVersion: ${version}\nProvides-Extra: server\n`,
    [`${distInfo}/WHEEL`]: 'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
  };
  const record = Object.entries(files).map(
    ([name, text]) =>
      `${name},sha256=${createHash('sha256').update(text).digest('base64url')},${Buffer.byteLength(text)}`,
  );
  files[`${distInfo}/RECORD`] = `${[...record, `${distInfo}/RECORD,,`].join('\n')}\n`;
  writeFileSync(join(dir, `moto-${version}-py3-none-any.whl`), zip(files));
}

/** A zip archive of text files (deflated), enough for pip. */
function zip(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const packed = deflateRawSync(data);
    const nameBytes = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const centralDir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(centralDir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDir, end]);
}

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe("the local stack's Python environment for moto", () => {
  it(
    'makes the environment, and when pip cannot reach an index, says exactly what to run',
    async () => {
      const dir = tempDir();
      const venvDir = join(dir, 'venv');
      const progress: string[] = [];

      const attempt = motoPython({
        venvDir,
        python: pythonWithoutMoto(dir),
        env: await offlinePipEnv(),
        progress: (text) => progress.push(text),
      });

      await expect(attempt).rejects.toThrow(MotoUnavailableError);
      const message = await attempt.then(
        () => '',
        (error: Error) => error.message,
      );
      expect(existsSync(venvPython(venvDir))).toBe(true);
      expect(message).toContain('pip could not reach a package index');
      expect(message).toContain(`${venvPython(venvDir)} -m pip install "${MOTO_REQUIREMENT}"`);
      expect(message).toContain('then `npm run dev` again');
      expect(progress[0]).toMatch(/^moto is not installed for .*: making a project environment in /);
      expect(progress[1]).toContain(`installing ${MOTO_REQUIREMENT} into ${venvDir} with pip`);
    },
    VENV_MS,
  );

  it(
    'installs moto into the environment with progress, then finds it there on the next start without pip',
    async () => {
      const dir = tempDir();
      const wheels = join(dir, 'wheels');
      const venvDir = join(dir, 'venv');
      mkdirSync(wheels);
      standInMotoWheel(wheels, '5.2.99');
      const env = { ...process.env, PIP_CONFIG_FILE: '/dev/null', PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels };
      const python = pythonWithoutMoto(dir);
      const progress: string[] = [];

      const first = await motoPython({ venvDir, python, env, progress: (text) => progress.push(text) });
      const second = await motoPython({
        venvDir,
        python,
        env,
        progress: (text) => progress.push(`again: ${text}`),
      });

      expect(first).toEqual({ python: venvPython(venvDir), version: '5.2.99', source: 'installed' });
      expect(progress).toContain('  pip: Successfully installed moto-5.2.99');
      expect(progress.at(-1)).toBe(`moto 5.2.99 installed in ${venvDir}`);
      expect(second).toEqual({ python: venvPython(venvDir), version: '5.2.99', source: 'venv' });
      expect(progress.filter((line) => line.startsWith('again:'))).toEqual([]);
    },
    VENV_MS,
  );

  it('says how to get the venv module when Python has none (Debian without python3-venv)', async () => {
    const dir = tempDir();

    const attempt = motoPython({
      venvDir: join(dir, 'venv'),
      python: pythonWithoutMoto(dir, true),
      progress: () => undefined,
    });

    await expect(attempt).rejects.toThrow(
      /Python's venv module is missing\. Debian\/Ubuntu: `sudo apt-get install python3-venv`/,
    );
    await expect(attempt).rejects.toThrow(`-m pip install "${MOTO_REQUIREMENT}"`);
  });

  it('says how to install Python when there is none', async () => {
    const dir = tempDir();

    const attempt = motoPython({
      venvDir: join(dir, 'venv'),
      python: join(dir, 'no-such-python3'),
      progress: () => undefined,
    });

    await expect(attempt).rejects.toThrow(/is not on this machine's PATH/);
    await expect(attempt).rejects.toThrow(/sudo apt-get install python3 python3-venv/);
  });

  it('uses the Python on PATH when it already has moto, and makes no environment', async () => {
    const dir = tempDir();
    const venvDir = join(dir, 'venv');

    const found = await motoPython({ venvDir, progress: () => undefined });

    expect(found).toMatchObject({ python: 'python3', source: 'system' });
    expect(found.version).toMatch(/^5\.\d+/);
    expect(existsSync(venvDir)).toBe(false);
  });
});
