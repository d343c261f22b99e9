/**
 * The operations commands without AWS: argument checks (each refusal says what to type instead,
 * and nothing runs), how dead letters and quarantined deliveries are read, rule picking, and a
 * replay's progress through the states EventBridge reports, driven by recorded DescribeReplay
 * answers (moto completes a replay at once, so it never shows one in progress).
 */
import {
  DescribeReplayCommand,
  type DescribeReplayCommandOutput,
  EventBridgeClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import type { Message } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { pickRule, type RuleInfo, summarizePattern } from '../../cli/aws/bus-inventory.js';
import { parseQuarantineArgs, readQuarantined } from '../../cli/commands/quarantine.js';
import { parseRedriveArgs, readDeadLetter } from '../../cli/commands/redrive.js';
import { replayProgress } from '../../cli/commands/replay/follow.js';
import { parseReplayArgs } from '../../cli/commands/replay/options.js';
import { runReplay } from '../../cli/commands/replay.js';
import type { CliIo } from '../../cli/kit/io.js';
import { UsageError } from '../../cli/kit/usage-error.js';
import { runCli } from '../../cli/main.js';
import { compliancely } from '../../functions/receiver/providers/compliancely.js';
import { complyCube } from '../../functions/receiver/providers/complycube.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);

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

function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
}

describe('replay arguments', () => {
  const base = ['--bus', 'ComplyCubeWebhooks-Bus'];

  it('reads a window given as how long ago, up to now, with a name that says whose and when', () => {
    const options = parseReplayArgs([...base, '--from', '6h', '--rule', 'OnCheckCompletedAll'], NOW);
    expect(options).toMatchObject({
      action: 'start',
      from: new Date(NOW - 6 * 3_600_000),
      to: new Date(NOW),
      rules: ['OnCheckCompletedAll'],
      name: 'complycube-20260301T120000Z',
      dryRun: false,
      wait: true,
      pollMs: 5000,
    });
  });

  it('reads ISO times with a zone, and refuses one without', () => {
    const options = parseReplayArgs(
      [...base, '--from', '2026-03-01T09:00:00Z', '--to', '2026-03-01T10:30:00+01:00', '--all'],
      NOW,
    );
    expect(options).toMatchObject({
      from: new Date(Date.UTC(2026, 2, 1, 9)),
      to: new Date(Date.UTC(2026, 2, 1, 9, 30)),
    });
    expect(
      usageError(() => parseReplayArgs([...base, '--from', '2026-03-01T09:00:00', '--all'], NOW)).message,
    ).toBe(
      "--from '2026-03-01T09:00:00' is not a time. Give a date and time with its zone, e.g. --from 2026-03-01T09:00:00Z, or how long ago, e.g. --from 6h (m, h or d).",
    );
  });

  it('refuses a window that ends before it starts, or in the future', () => {
    expect(
      usageError(() => parseReplayArgs([...base, '--from', '1h', '--to', '2h', '--all'], NOW)).message,
    ).toMatch(/must be before --to .* swap them/);
    expect(
      usageError(() =>
        parseReplayArgs([...base, '--from', '1h', '--to', '2026-03-02T00:00:00Z', '--all'], NOW),
      ).message,
    ).toContain('is in the future; leave --to out to replay up to now');
  });

  it('needs exactly one way of choosing subscriptions', () => {
    expect(usageError(() => parseReplayArgs([...base, '--from', '1h'], NOW)).message).toContain(
      'Say which subscriptions get the replay: --rule <name>',
    );
    expect(
      usageError(() => parseReplayArgs([...base, '--from', '1h', '--all', '--type', 'x'], NOW)).message,
    ).toBe('Choose subscriptions one way: --rule, --type or --all, not several.');
    expect(
      usageError(() => parseReplayArgs([...base, '--from', '1h', '--type', 'check completed'], NOW)).message,
    ).toMatch(/not an event type/);
  });

  it('needs a bus, and says where its name is', () => {
    expect(usageError(() => parseReplayArgs(['--from', '1h', '--all'], NOW)).message).toContain(
      "the stack's EventBusName output",
    );
  });

  it('takes --status and --cancel with a name only', () => {
    expect(parseReplayArgs(['--status', 'complycube-20260301T120000Z'], NOW)).toMatchObject({
      action: 'status',
      name: 'complycube-20260301T120000Z',
      wait: true,
    });
    expect(usageError(() => parseReplayArgs(['--cancel', 'r1', '--bus', 'b'], NOW)).message).toBe(
      "--cancel needs only the replay's name; drop --bus.",
    );
    expect(usageError(() => parseReplayArgs(['--status', 'has space'], NOW)).message).toMatch(
      /is not a replay name/,
    );
  });

  it('exits 2 through the command line, and suggests the option meant', async () => {
    const io = capture();
    expect(await runCli(['replay', ...base, '--form', '1h', '--all'], io)).toBe(2);
    expect(io.err()).toContain("Unknown option --form. Did you mean '--from'?");
    expect(io.err()).toContain('(npx complycube-webhooks replay --help shows every option.)');
  });

  it('prints its help', async () => {
    for (const argv of [
      ['replay', '--help'],
      ['help', 'replay'],
    ]) {
      const io = capture();
      expect(await runCli(argv, io)).toBe(0);
      expect(io.out()).toContain('Replay archived events to subscriptions');
    }
  });
});

describe('replay progress', () => {
  const window = { EventStartTime: new Date(NOW - 3_600_000), EventEndTime: new Date(NOW) };
  const at = (minutes: number) => new Date(NOW - 3_600_000 + minutes * 60_000);

  function recorded(answers: Partial<DescribeReplayCommandOutput>[]) {
    const client = new EventBridgeClient({
      region: 'eu-west-2',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    let call = mockClient(client).on(DescribeReplayCommand);
    for (const answer of answers) call = call.resolvesOnce({ $metadata: {}, ...window, ...answer });
    return { client };
  }

  it('follows a replay from starting to completed, one line per step, and exits 0', async () => {
    const { client } = recorded([
      { State: 'STARTING' },
      { State: 'RUNNING', EventLastReplayedTime: at(15) },
      { State: 'RUNNING', EventLastReplayedTime: at(45) },
      {
        State: 'COMPLETED',
        EventLastReplayedTime: at(60),
        ReplayStartTime: new Date(NOW),
        ReplayEndTime: new Date(NOW + 185_000),
      },
    ]);
    const io = capture();
    const sleeps: number[] = [];
    const code = await runReplay(
      { action: 'status', name: 'r1', wait: true, json: false, region: undefined, pollMs: 5000 },
      io,
      {
        clients: { eventBridge: client },
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      },
    );

    expect(code).toBe(0);
    expect(io.out().trim().split('\n')).toEqual([
      'Replay r1: STARTING 0%',
      `Replay r1: RUNNING 25% (events up to ${at(15).toISOString()})`,
      `Replay r1: RUNNING 75% (events up to ${at(45).toISOString()})`,
      `Replay r1: COMPLETED 100% (events up to ${at(60).toISOString()})`,
      'Replay r1 completed in 3 min 5 s.',
    ]);
    expect(sleeps).toEqual([5000, 5000, 5000]);
  });

  it('exits 1 with EventBridge’s reason when a replay fails', async () => {
    const { client } = recorded([
      { State: 'RUNNING', EventLastReplayedTime: at(6) },
      { State: 'FAILED', StateReason: 'The destination rule was deleted.' },
    ]);
    const io = capture();
    const code = await runReplay(
      { action: 'status', name: 'r2', wait: true, json: true, region: undefined, pollMs: 1000 },
      io,
      {
        clients: { eventBridge: client },
        sleep: async () => {},
      },
    );
    expect(code).toBe(1);
    const events = io
      .out()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.at(0)).toMatchObject({ event: 'progress', state: 'RUNNING', progress: 0.1 });
    expect(events.at(-1)).toMatchObject({
      event: 'ended',
      state: 'FAILED',
      reason: 'The destination rule was deleted.',
    });
  });

  it('stops watching on Ctrl-C with exit 130 and says the replay carries on, and how to follow or stop it', async () => {
    const { client } = recorded([{ State: 'RUNNING', EventLastReplayedTime: at(30) }]);
    const interrupt = new AbortController();
    const io = { ...capture(), interrupt: interrupt.signal };
    const code = await runReplay(
      { action: 'status', name: 'r3', wait: true, json: false, region: undefined, pollMs: 1000 },
      io,
      {
        clients: { eventBridge: client },
        sleep: async () => {
          interrupt.abort();
          throw new Error('aborted');
        },
      },
    );
    expect(code).toBe(130);
    expect(io.err()).toContain('the replay carries on in EventBridge');
    expect(io.err()).toContain('npx complycube-webhooks replay --status r3');
    expect(io.err()).toContain('npx complycube-webhooks replay --cancel r3');
  });

  it('says how to find a replay that does not exist', async () => {
    const client = new EventBridgeClient({
      region: 'eu-west-2',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    mockClient(client)
      .on(DescribeReplayCommand)
      .rejects(new ResourceNotFoundException({ message: 'Replay nope does not exist.', $metadata: {} }));
    await expect(
      runReplay(
        { action: 'status', name: 'nope', wait: true, json: false, region: undefined, pollMs: 1000 },
        capture(),
        {
          clients: { eventBridge: client },
        },
      ),
    ).rejects.toThrow('There is no replay named nope in this region.');
  });

  it('measures progress by the last replayed event’s place in the window', () => {
    expect(replayProgress({ ...window, State: 'RUNNING', EventLastReplayedTime: at(30) })).toBe(0.5);
    expect(replayProgress({ ...window, State: 'RUNNING' })).toBe(0);
    expect(replayProgress({ ...window, State: 'COMPLETED' })).toBe(1);
    expect(replayProgress({ ...window, State: 'RUNNING', EventLastReplayedTime: at(90) })).toBe(1);
  });
});

describe('redrive and quarantine arguments', () => {
  it('redrive needs a bus or a queue, not both', () => {
    expect(usageError(() => parseRedriveArgs([])).message).toMatch(
      /Say where the dead letters are: --bus <name> lists/,
    );
    expect(usageError(() => parseRedriveArgs(['--queue', 'q', '--bus', 'b'])).message).toBe(
      'Pass either --queue, or --bus with --rule; not both.',
    );
    expect(parseRedriveArgs(['--bus', 'b', '--rule', 'OnX', '--dry-run', '--max', '5'])).toMatchObject({
      bus: 'b',
      rule: 'OnX',
      dryRun: true,
      max: 5,
      provider: complyCube,
    });
    expect(usageError(() => parseRedriveArgs(['--bus', 'b', '--max', '0'])).message).toBe(
      "--max must be a whole number from 1 to 100000 (got '0'), e.g. --max 10.",
    );
    expect(usageError(() => parseRedriveArgs(['--bus', 'b', '--provider', 'complycub'])).message).toBe(
      "Unknown provider 'complycub'. Did you mean 'complycube'? Use --provider complycube or --provider compliancely.",
    );
  });

  it('quarantine needs a bus or a queue, and --delete needs a digest long enough to be safe', () => {
    expect(usageError(() => parseQuarantineArgs([])).message).toMatch(/Say which quarantine/);
    expect(usageError(() => parseQuarantineArgs(['--bus', 'b', '--delete', 'abc'])).message).toMatch(
      /at least 12 of the hex characters/,
    );
    expect(usageError(() => parseQuarantineArgs(['--bus', 'b', '--dry-run'])).message).toMatch(
      /--dry-run goes with --delete/,
    );
    expect(parseQuarantineArgs(['--queue', 'q', '--delete', 'ABCDEF0123456789'])).toMatchObject({
      delete: ['abcdef0123456789'],
    });
  });
});

describe('reading dead letters', () => {
  const event = {
    version: '0',
    id: 'e-1',
    'detail-type': 'client.deleted',
    source: 'com.complycube',
    time: '2026-03-01T10:00:00Z',
    detail: { id: 'x' },
  };

  it('reads one EventBridge could not deliver: the event as is, its target and error from the attributes', () => {
    const body = JSON.stringify(event);
    const message: Message = {
      Body: body,
      MessageAttributes: {
        TARGET_ARN: { DataType: 'String', StringValue: 'arn:aws:sqs:eu-west-2:123456789012:erasure' },
        ERROR_CODE: { DataType: 'String', StringValue: 'SQS.AccessDenied' },
      },
    };
    expect(readDeadLetter(message)).toEqual({
      body,
      event: { id: 'e-1', type: 'client.deleted', time: '2026-03-01T10:00:00Z' },
      target: 'arn:aws:sqs:eu-west-2:123456789012:erasure',
      failedWith: 'SQS.AccessDenied',
    });
  });

  it('reads one a Lambda subscriber failed on: the event from requestPayload, the function unqualified', () => {
    const message: Message = {
      Body: JSON.stringify({
        version: '1.0',
        requestContext: {
          functionArn: 'arn:aws:lambda:eu-west-2:123456789012:function:erase:$LATEST',
          condition: 'RetriesExhausted',
          approximateInvokeCount: 3,
        },
        requestPayload: event,
        responsePayload: { errorType: 'TypeError', errorMessage: 'contains jane@example.com' },
      }),
    };
    const letter = readDeadLetter(message);
    expect(letter.target).toBe('arn:aws:lambda:eu-west-2:123456789012:function:erase');
    expect(JSON.parse(letter.body ?? '')).toEqual(event);
    // What the function said stays in its logs: error messages can quote the data.
    expect(letter.failedWith).toBe('Lambda RetriesExhausted, 3 attempts (TypeError)');
  });

  it('finds no event in a body that is not one', () => {
    expect(readDeadLetter({ Body: 'hello' })).toMatchObject({ body: undefined, event: {} });
    expect(readDeadLetter({ Body: '{"a":1}' }).event).toEqual({});
  });
});

describe('reading quarantined deliveries', () => {
  const envelope = (detail: Record<string, unknown>): Message => ({
    MessageId: 'm-1',
    Body: JSON.stringify({
      source: 'com.compliancely.quarantine',
      'detail-type': 'Webhook Quarantined',
      detail,
    }),
  });

  it('takes the id and type from the provider’s own reading of the body, and shows the body only when asked', () => {
    const body = JSON.stringify({
      id: 7310003,
      status: 'Did Not Match',
      updated_date: '2020-01-01T00:00:00Z',
      tin: '000000000',
    });
    const message = envelope({
      provider: 'compliancely',
      reason: 'older_than_retention',
      bodySha256: 'ab'.repeat(32),
      receivedAt: '2026-03-01T10:00:00.000Z',
      body,
    });
    expect(readQuarantined(message, complyCube, false)).toEqual({
      messageId: 'm-1',
      receivedAt: '2026-03-01T10:00:00.000Z',
      reason: 'older_than_retention',
      provider: 'compliancely',
      eventId: '7310003#2020-01-01T00:00:00.000Z#did_not_match',
      eventType: 'tin_check.did_not_match',
      bodySha256: 'ab'.repeat(32),
      bodyBytes: Buffer.byteLength(body),
    });
    expect(readQuarantined(message, compliancely, true).body).toBe(body);
  });

  it('says where a body too large for the bus is, and what a non-UTF-8 body was', () => {
    const stored = envelope({
      provider: 'complycube',
      reason: 'not_json',
      bodyStored: { bucket: 'b', key: 'complycube/2026-03-01/ab', bytes: 300_000 },
    });
    expect(readQuarantined(stored, complyCube, true)).toMatchObject({
      bodyBytes: 300_000,
      body: '(too large for the bus; stored at s3://b/complycube/2026-03-01/ab)',
    });
    const binary = envelope({ provider: 'complycube', reason: 'invalid_utf8', bodyBase64: '//4=' });
    expect(readQuarantined(binary, complyCube, true)).toMatchObject({
      bodyBytes: 2,
      body: '(not UTF-8; base64) //4=',
    });
  });

  it('reports a message that is not a quarantine event as unreadable', () => {
    expect(readQuarantined({ MessageId: 'm', Body: 'x' }, complyCube, true).reason).toBe(
      'unreadable (not a quarantine event)',
    );
  });
});

describe('picking a rule', () => {
  const rule = (name: string, pattern: Record<string, unknown>): RuleInfo => ({
    name,
    arn: `arn:aws:events:eu-west-2:123456789012:rule/bus/${name}`,
    state: 'ENABLED',
    description: '',
    pattern: summarizePattern(JSON.stringify(pattern)),
    managedBy: undefined,
    targets: [],
  });
  const rules = [
    rule('ComplyCubeWebhooks-ComplyCubeOnCheckCompletedAll2127-1X2Y', {
      source: ['com.complycube'],
      'detail-type': [{ prefix: 'check.completed' }],
    }),
    rule('ComplyCubeWebhooks-ComplyCubeOnClientDeleted9A8B-3Z4W', {
      source: ['com.complycube'],
      'detail-type': ['client.deleted'],
    }),
  ];

  it('finds a rule by the construct id inside its generated name, whatever the case or punctuation', () => {
    expect(pickRule(rules, 'OnCheckCompletedAll', 'subscription', 'replay').name).toContain(
      'OnCheckCompletedAll',
    );
    expect(pickRule(rules, 'on-client-deleted', 'subscription', 'replay').name).toContain('OnClientDeleted');
  });

  it('refuses a part several rules share, and lists the rules with their types when none matches', () => {
    expect(() => pickRule(rules, 'ComplyCubeOn', 'subscription', 'replay')).toThrow(
      /is part of 2 subscription rules/,
    );
    expect(() => pickRule(rules, 'OnClientDeletd', 'subscription', 'replay')).toThrow(
      /Did you mean 'ComplyCubeWebhooks-ComplyCubeOnClientDeleted9A8B-3Z4W'\?.*\(check\.completed\*\).*\(client\.deleted\)/,
    );
  });
});
