/**
 * The local stack on a machine without Java: `java` hidden from PATH, it serves DynamoDB from moto
 * instead of DynamoDB Local, says so at start, and still takes each event in once (the ledger's
 * conditional put answered with the old item), publishes it, and runs the subscriber.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { javaStatus } from '../../local/java-check.js';
import {
  CLI,
  DEV_STARTUP_MS,
  type DevStackProcess,
  type LogRecord,
  startDevStack,
} from '../support/dev-stack-process.js';
import { type HiddenPath, pathWithout } from '../support/path-without.js';

const run = promisify(execFile);

let noJava: HiddenPath;
let stack: DevStackProcess;

beforeAll(async () => {
  noJava = pathWithout(['java']);
  stack = await startDevStack({ env: { ...process.env, PATH: noJava.path } });
}, DEV_STARTUP_MS + 10_000);

afterAll(async () => {
  await stack?.stop();
  noJava?.remove();
});

async function send(...args: string[]): Promise<LogRecord[]> {
  const url = (stack.ready().receivers as { url: string }[])[0]?.url ?? '';
  const { stdout } = await run(process.execPath, [CLI, 'send', ...args, '--url', url, '--json'], {
    env: { ...process.env, WEBHOOK_SECRET: stack.secret() },
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LogRecord);
}

describe('npm run dev without Java', () => {
  it('the PATH it runs with really has no java', async () => {
    expect(await javaStatus({ ...process.env, PATH: noJava.path })).toEqual({
      usable: false,
      why: 'no `java` on PATH',
    });
  });

  it('says at start that moto serves DynamoDB, and starts no DynamoDB Local', () => {
    const warning = stack.of('warning').find((w) => String(w.text).includes('DynamoDB is served by moto'));
    expect(warning?.text).toMatch(
      /^No Java 17 \(no `java` on PATH\): DynamoDB is served by moto instead of DynamoDB Local/,
    );
    const ready = stack.ready();
    const emulators = ready.emulators as { dynamodb: string; moto: string };
    expect(ready.dynamodbServer).toBe('moto');
    expect(emulators.dynamodb).toBe(emulators.moto);
    // moto and its watchdog only: no Java process group.
    expect(ready.processGroups).toHaveLength(2);
  });

  it('takes an event in once, answers its redelivery duplicate, and runs the subscriber once', async () => {
    const answers = (await send('check.completed.clear', '--duplicate')).filter((r) => r.kind === 'response');

    expect(answers.map((a) => `${a.status} ${a.verdict}`)).toEqual(['200 accepted', '200 duplicate']);
    const eventId = answers[0]?.eventId;
    await stack.until(
      () => stack.of('delivery').some((d) => d.eventId === eventId && d.outcome === 'ok'),
      'the example subscriber to run',
    );
    expect(stack.of('delivery').filter((d) => d.eventId === eventId)).toHaveLength(1);
  });

  it('refuses a forged request', async () => {
    const answers = (await send('client.created', '--tamper')).filter((r) => r.kind === 'response');

    expect(answers.map((a) => `${a.status} ${a.verdict}`)).toEqual(['401 forged']);
  });
});
