/**
 * What the local stack (`npm run dev`) keeps on disk, in `.dev/` at the project root (ignored by
 * git): the local webhook secret, the synthesized app, and `server.json`, which tells the sender
 * CLI where the running stack listens. Nothing here is ever printed.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `.dev/` at the project root. */
export const DEFAULT_STATE_DIR = fileURLToPath(new URL('../.dev/', import.meta.url));

/**
 * The project's own Python environment for moto (`.dev/venv/`), made on the first start when no
 * Python on PATH has moto. Always at the project root, whatever `--state-dir` says: it is a tool,
 * not state.
 */
export const PROJECT_VENV_DIR = join(DEFAULT_STATE_DIR, 'venv');

/** Where the local receiver listens unless told otherwise (or the port is taken). */
export const DEFAULT_PORT = 8642;

/** Where the inspector page listens unless told otherwise (or the port is taken). */
export const DEFAULT_INSPECTOR_PORT = 8640;

export interface LocalReceiverState {
  /** The provider the receiver serves, e.g. `complycube`. */
  readonly provider: string;
  /** Its local function URL, e.g. `http://127.0.0.1:8642/`. */
  readonly url: string;
  /** The ARN of its webhook secret in the local Secrets Manager (moto), for `connect`. */
  readonly webhookSecretArn?: string;
  /** The event types its subscriptions need (`["*"]` for all), for `connect` and `status`. */
  readonly webhookEvents?: readonly string[];
  /** Its idempotency table (DynamoDB Local) and bus (moto), for `catch-up`. */
  readonly tableName?: string;
  readonly eventBusName?: string;
}

/** The content of `server.json` while a local stack runs. */
export interface LocalStackState {
  readonly pid: number;
  readonly startedAt: string;
  readonly receivers: readonly LocalReceiverState[];
  /** The emulators' endpoints. */
  readonly emulators?: { readonly dynamodb: string; readonly moto: string };
  /**
   * The ComplyCube API emulator (`npm run dev -- --complycube-api local`): its base URL and its
   * generated key, which only this emulator accepts.
   */
  readonly complyCubeApi?: { readonly url: string; readonly apiKey: string };
}

export function secretFile(stateDir: string): string {
  return join(stateDir, 'webhook-secret');
}

function serverFile(stateDir: string): string {
  return join(stateDir, 'server.json');
}

/** Reads the local webhook secret, or `undefined` when no local stack has created one yet. */
export function readLocalSecret(stateDir: string): string | undefined {
  try {
    const value = readFileSync(secretFile(stateDir), 'utf8').trim();
    return value === '' ? undefined : value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`Could not read the local webhook secret in ${secretFile(stateDir)}.`, { cause: error });
  }
}

/**
 * The local webhook secret, created (random, readable by this user only) on first use. Local only:
 * it is never a secret any provider knows.
 */
export function localSecret(stateDir: string): { readonly value: string; readonly created: boolean } {
  const existing = readLocalSecret(stateDir);
  if (existing !== undefined) return { value: existing, created: false };
  mkdirSync(stateDir, { recursive: true });
  const value = `whsec_local_${randomBytes(24).toString('hex')}`;
  writeFileSync(secretFile(stateDir), `${value}\n`, { mode: 0o600 });
  return { value, created: true };
}

export function writeStackState(stateDir: string, state: LocalStackState): void {
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(serverFile(stateDir), `${JSON.stringify(state, null, 2)}\n`);
}

/** Removes `server.json` if it still describes the stack of process `pid` (a newer one may have replaced it). */
export function clearStackState(stateDir: string, pid: number): void {
  const state = readStackState(stateDir);
  if (state?.pid === pid) rmSync(serverFile(stateDir), { force: true });
}

/** The running local stack, or `undefined` when none is (no file, or its process is gone). */
export function readStackState(stateDir: string): LocalStackState | undefined {
  let text: string;
  try {
    text = readFileSync(serverFile(stateDir), 'utf8');
  } catch {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isStackState(parsed) || !isAlive(parsed.pid)) return undefined;
  return parsed;
}

function isStackState(value: unknown): value is LocalStackState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.pid === 'number' &&
    Array.isArray(v.receivers) &&
    v.receivers.every(
      (r: unknown) =>
        typeof r === 'object' &&
        r !== null &&
        typeof (r as Record<string, unknown>).provider === 'string' &&
        typeof (r as Record<string, unknown>).url === 'string',
    )
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
