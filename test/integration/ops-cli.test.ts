/**
 * The operations commands against moto, on a bus laid out as the construct lays it out: a
 * provider's subscription rules with dead-letter queues, its quarantine rule and queue, another
 * provider's rule, and an archive of the provider's source. moto answers archives, replays (it
 * completes them at once, delivering to the chosen rules only), rules, targets and SQS; a Lambda
 * target is driven with recorded SDK answers, as moto cannot run a function without Docker.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  DescribeReplayCommand,
  EventBridgeClient,
  ListReplaysCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OpsClients } from '../../cli/aws/clients.js';
import { parseQuarantineArgs, runQuarantine } from '../../cli/commands/quarantine.js';
import { parseRedriveArgs, runRedrive } from '../../cli/commands/redrive.js';
import { parseReplayArgs } from '../../cli/commands/replay/options.js';
import { runReplay } from '../../cli/commands/replay.js';
import type { CliIo } from '../../cli/kit/io.js';
import { runCli } from '../../cli/main.js';
import { loadFixture, sign, withFreshId } from '../../fixtures/complycube.js';
import { EventBridgePublisher } from '../../functions/receiver/adapters/eventbridge-publisher.js';
import { receive } from '../../functions/receiver/core/receive.js';
import { WebhookSecrets } from '../../functions/receiver/core/secrets.js';
import { complyCube } from '../../functions/receiver/providers/complycube.js';
import { CapturingLogger, FakeClock, FakeLedger, FakeSecretSource } from '../helpers/fakes.js';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION, uniqueName, useEmulatorEnv } from '../support/aws-env.js';

let eventBridge: EventBridgeClient;
let sqs: SQSClient;
let clients: OpsClients;

interface Layout {
  readonly bus: string;
  readonly busArn: string;
  readonly completed: Subscription;
  readonly deleted: Subscription;
  readonly compliancely: Subscription;
  readonly quarantineQueue: string;
}

interface Subscription {
  readonly rule: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
}

let layout: Layout;
let noArchiveBus: string;

beforeAll(async () => {
  const endpoints = useEmulatorEnv();
  const base = { region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS, endpoint: endpoints.moto };
  eventBridge = new EventBridgeClient(base);
  sqs = new SQSClient(base);
  clients = { eventBridge, sqs, lambda: new LambdaClient(base) };
  layout = await createLayout();
  noArchiveBus = uniqueName('ops-bare');
  await eventBridge.send(new CreateEventBusCommand({ Name: noArchiveBus }));
});

beforeEach(async () => {
  for (const sub of [layout.completed, layout.deleted, layout.compliancely]) {
    await Promise.all([drain(sub.queueUrl), drain(sub.dlqUrl)]);
  }
  await drain(layout.quarantineQueue);
});

async function createQueue(name: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (QueueUrl === undefined) throw new Error(`moto created ${name} without a URL`);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`moto gave ${name} no ARN`);
  return { url: QueueUrl, arn };
}

/** A rule named as CloudFormation names the construct's, delivering to a queue with a dead-letter queue. */
async function subscribe(bus: string, id: string, pattern: Record<string, unknown>): Promise<Subscription> {
  const rule = `${bus.slice(0, 20)}-Receiver${id}1A2B3C4D-${randomUUID().slice(0, 8)}`;
  const queue = await createQueue(uniqueName(`${id}-target`));
  const dlq = await createQueue(uniqueName(`${id}-dlq`));
  await eventBridge.send(
    new PutRuleCommand({ Name: rule, EventBusName: bus, EventPattern: JSON.stringify(pattern) }),
  );
  await eventBridge.send(
    new PutTargetsCommand({
      Rule: rule,
      EventBusName: bus,
      Targets: [{ Id: 'Target0', Arn: queue.arn, DeadLetterConfig: { Arn: dlq.arn } }],
    }),
  );
  return { rule, queueUrl: queue.url, queueArn: queue.arn, dlqUrl: dlq.url, dlqArn: dlq.arn };
}

async function createLayout(): Promise<Layout> {
  const bus = uniqueName('ops');
  const { EventBusArn } = await eventBridge.send(new CreateEventBusCommand({ Name: bus }));
  if (EventBusArn === undefined) throw new Error('moto created a bus without an ARN');
  const completed = await subscribe(bus, 'OnCheckCompletedAll', {
    source: ['com.complycube'],
    'detail-type': [{ prefix: 'check.completed' }],
  });
  const deleted = await subscribe(bus, 'OnClientDeleted', {
    source: ['com.complycube'],
    'detail-type': ['client.deleted'],
  });
  const compliancely = await subscribe(bus, 'OnTinCheckAll', { source: ['com.compliancely'] });
  const quarantine = await subscribe(bus, 'QuarantineRule', { source: ['com.complycube.quarantine'] });
  await eventBridge.send(
    new CreateArchiveCommand({
      ArchiveName: uniqueName('ReceiverArchive'),
      EventSourceArn: EventBusArn,
      EventPattern: JSON.stringify({ source: ['com.complycube'] }),
      RetentionDays: 30,
    }),
  );
  return { bus, busArn: EventBusArn, completed, deleted, compliancely, quarantineQueue: quarantine.queueUrl };
}

async function drain(url: string): Promise<{ body: string; attributes: Record<string, string> }[]> {
  const taken: { body: string; attributes: Record<string, string> }[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return taken;
    for (const m of Messages) {
      const attributes: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.MessageAttributes ?? {})) attributes[k] = v.StringValue ?? '';
      taken.push({ body: m.Body ?? '', attributes });
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}

async function depth(url: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

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

/** Publishes ComplyCube events as the receiver does; their time is their createdAt. */
async function publish(types: readonly string[], time: Date): Promise<string[]> {
  const events = types.map((type) => ({ ...withFreshId(loadFixture(type)), createdAt: time.toISOString() }));
  await eventBridge.send(
    new PutEventsCommand({
      Entries: events.map((event) => ({
        EventBusName: layout.bus,
        Source: 'com.complycube',
        DetailType: event.type,
        Detail: JSON.stringify(event),
        Time: time,
      })),
    }),
  );
  return events.map((event) => event.id);
}

function ruleArn(sub: Subscription): string {
  return `arn:aws:events:${EMULATOR_REGION}:123456789012:rule/${layout.bus}/${sub.rule}`;
}

function detailIds(messages: readonly { body: string }[]): string[] {
  return messages.map((m) => (JSON.parse(m.body) as { detail: { id: string } }).detail.id).sort();
}

describe('replay', () => {
  async function replay(args: string[]) {
    const io = capture();
    const options = parseReplayArgs(['--bus', layout.bus, ...args], Date.now());
    if (options === 'help') throw new Error('unexpected help');
    const code = await runReplay(options, io, { clients, sleep: async () => {} });
    return { code, out: io.out(), err: io.err() };
  }

  // moto replays every archived event to every matching rule, whatever the window and FilterArns
  // say; EventBridge honours both. So these tests check what was asked of EventBridge (read back
  // with DescribeReplay) and that the chosen subscription got its events.
  it('replays a window of the archive to one subscription’s rule', async () => {
    const ids = await publish(
      ['check.completed.clear', 'client.deleted', 'check.completed.attention'],
      new Date(Date.now() - 600_000),
    );
    await drain(layout.completed.queueUrl);
    const name = uniqueName('r');
    const before = Date.now();

    const result = await replay(['--from', '1h', '--rule', 'OnCheckCompletedAll', '--name', name]);

    expect(result.code).toBe(0);
    expect(result.out).toMatch(/to {7}1 subscription rule:\n.*OnCheckCompletedAll.*\(check\.completed\*\)/);
    expect(result.out).toContain(`Replay ${name} completed`);
    const asked = await eventBridge.send(new DescribeReplayCommand({ ReplayName: name }));
    expect(asked.Destination).toEqual({ Arn: layout.busArn, FilterArns: [ruleArn(layout.completed)] });
    expect(asked.EventSourceArn).toMatch(/:archive\/ReceiverArchive-/);
    expect(Math.abs((asked.EventStartTime?.getTime() ?? 0) - (before - 3_600_000))).toBeLessThan(60_000);
    const replayed = await drain(layout.completed.queueUrl);
    expect(detailIds(replayed)).toEqual(expect.arrayContaining([ids[0], ids[2]]));
    expect(
      replayed.every(
        (m) => typeof (JSON.parse(m.body) as Record<string, unknown>)['replay-name'] === 'string',
      ),
    ).toBe(true);
  });

  it('chooses the subscriptions by event type', async () => {
    const name = uniqueName('t');
    const result = await replay(['--from', '1h', '--type', 'client.deleted', '--name', name]);

    expect(result.code).toBe(0);
    const asked = await eventBridge.send(new DescribeReplayCommand({ ReplayName: name }));
    expect(asked.Destination?.FilterArns).toEqual([ruleArn(layout.deleted)]);

    const family = uniqueName('f');
    await replay(['--from', '1h', '--type', 'check.*', '--name', family]);
    const all = await eventBridge.send(new DescribeReplayCommand({ ReplayName: family }));
    expect(all.Destination?.FilterArns).toEqual([ruleArn(layout.completed)]);
  });

  it('only plans with --dry-run: no replay, no delivery', async () => {
    await publish(['client.deleted'], new Date(Date.now() - 120_000));
    await drain(layout.deleted.queueUrl);
    const name = uniqueName('dry');

    const result = await replay(['--from', '1h', '--all', '--dry-run', '--name', name]);

    expect(result.code).toBe(0);
    expect(result.out).toContain('Dry run: nothing was started');
    expect(result.out).toContain('OnCheckCompletedAll');
    expect(result.out).toContain('OnClientDeleted');
    expect(result.out).not.toContain('OnTinCheckAll');
    const { Replays = [] } = await eventBridge.send(new ListReplaysCommand({ NamePrefix: name }));
    expect(Replays).toEqual([]);
    expect(await drain(layout.deleted.queueUrl)).toEqual([]);
  });

  it('reports a finished replay with --status', async () => {
    const name = uniqueName('st');
    await replay(['--from', '1h', '--rule', 'OnClientDeleted', '--name', name, '--no-wait']);
    const io = capture();
    const options = parseReplayArgs(['--status', name], Date.now());
    if (options === 'help') throw new Error('unexpected help');
    expect(await runReplay(options, io, { clients, sleep: async () => {} })).toBe(0);
    expect(io.out()).toContain(`Replay ${name} completed`);
  });

  it('says which rules exist when the one asked for does not, and starts nothing', async () => {
    const io = capture();
    const code = await runCli(
      ['replay', '--bus', layout.bus, '--from', '1h', '--rule', 'OnCheckCompletedAny'],
      io,
    );
    expect(code).toBe(2);
    expect(io.err()).toMatch(
      /No complycube subscription rule is called 'OnCheckCompletedAny'\. Did you mean '.*OnCheckCompletedAll/,
    );
    expect(io.err()).toMatch(/OnClientDeleted\S* \(client\.deleted\)/);
    expect(io.err()).toContain('replay --help');
    const { Replays = [] } = await eventBridge.send(new ListReplaysCommand({ NamePrefix: 'complycube-' }));
    expect(Replays).toEqual([]);
  });

  it('fails clearly on a bus without an archive, and on a bus that does not exist', async () => {
    await subscribe(noArchiveBus, 'OnEverything', { source: ['com.complycube'] });
    const bare = capture();
    expect(await runCli(['replay', '--bus', noArchiveBus, '--from', '1h', '--all'], bare)).toBe(1);
    expect(bare.err()).toContain(`The event bus ${noArchiveBus} has no archive of com.complycube events`);

    const missing = capture();
    expect(await runCli(['replay', '--bus', 'no-such-bus', '--from', '1h', '--all'], missing)).toBe(1);
    expect(missing.err()).toContain("There is no event bus 'no-such-bus'");
    expect(missing.err()).toContain('EventBusName output');
  });
});

/** A dead letter as EventBridge writes it when it cannot deliver to an SQS target. */
async function deadLetter(
  sub: Subscription,
  targetArn: string,
  type = 'check.completed.clear',
): Promise<string> {
  const event = withFreshId(loadFixture(type));
  const envelope = {
    version: '0',
    id: randomUUID(),
    'detail-type': event.type,
    source: 'com.complycube',
    account: '123456789012',
    time: '2026-03-01T10:00:00Z',
    region: EMULATOR_REGION,
    resources: [],
    detail: event,
  };
  const attributes = {
    RULE_ARN: `arn:aws:events:${EMULATOR_REGION}:123456789012:rule/${layout.bus}/${sub.rule}`,
    TARGET_ARN: targetArn,
    ERROR_CODE: 'SQS.AccessDenied',
    ERROR_MESSAGE: 'Access to the resource is denied.',
  };
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: sub.dlqUrl,
      MessageBody: JSON.stringify(envelope),
      MessageAttributes: Object.fromEntries(
        Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
      ),
    }),
  );
  return JSON.stringify(envelope);
}

describe('redrive', () => {
  async function redrive(args: string[], lambda = clients.lambda) {
    const io = capture();
    const options = parseRedriveArgs(args);
    if (options === 'help') throw new Error('unexpected help');
    const code = await runRedrive(options, io, { clients: { ...clients, lambda }, waitSeconds: 0 });
    return { code, out: io.out(), err: io.err() };
  }

  it('lists what would be delivered with --dry-run, and leaves every message where it is', async () => {
    await deadLetter(layout.completed, layout.completed.queueArn);
    await deadLetter(layout.completed, layout.completed.queueArn);

    const result = await redrive(['--bus', layout.bus, '--rule', 'OnCheckCompletedAll', '--dry-run']);

    expect(result.code).toBe(0);
    expect(result.out.match(/would send/g)).toHaveLength(2);
    expect(result.out).toContain('failed with SQS.AccessDenied: Access to the resource is denied.');
    expect(result.out).toContain('Nothing was moved');
    expect(await depth(layout.completed.dlqUrl)).toBe(2);
    expect(await drain(layout.completed.queueUrl)).toEqual([]);
  });

  it('delivers a subscription’s dead letters to its target, byte for byte, and only those', async () => {
    const first = await deadLetter(layout.completed, layout.completed.queueArn);
    const second = await deadLetter(layout.completed, layout.completed.queueArn, 'check.completed.rejected');
    // A dead-letter queue shared with another subscription: that one's message stays.
    const other = await deadLetter(layout.completed, layout.deleted.queueArn, 'client.deleted');

    const result = await redrive(['--bus', layout.bus, '--rule', 'OnCheckCompletedAll']);

    expect(result.code).toBe(0);
    expect(result.out).toContain('2 delivered, 1 skipped (still in the queue)');
    expect((await drain(layout.completed.queueUrl)).map((m) => m.body).sort()).toEqual(
      [first, second].sort(),
    );
    const left = await drain(layout.completed.dlqUrl);
    expect(left.map((m) => m.body)).toEqual([other]);
    expect(await drain(layout.deleted.queueUrl)).toEqual([]);
  });

  it('never prints a body', async () => {
    const body = await deadLetter(layout.completed, layout.completed.queueArn, 'client.created');
    const payload = (JSON.parse(body) as { detail: { payload: { email: string } } }).detail.payload;
    const result = await redrive(['--bus', layout.bus, '--rule', 'OnCheckCompletedAll', '--dry-run']);
    expect(result.out).not.toContain(payload.email);
  });

  it('lists the subscriptions and how many dead letters each has', async () => {
    await deadLetter(layout.deleted, layout.deleted.queueArn, 'client.deleted');
    const result = await redrive(['--bus', layout.bus]);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/OnClientDeleted\S*\s+\(client\.deleted\)\s+1 waiting/);
    expect(result.out).toMatch(/OnCheckCompletedAll\S*\s+\(check\.completed\*\)\s+0 waiting/);
    expect(result.out).toMatch(/QuarantineRule/);
    expect(result.out).not.toContain('OnTinCheckAll');
    expect(result.out).toContain(`redrive --bus ${layout.bus} --rule <name> --dry-run`);
  });

  it('invokes a Lambda subscriber asynchronously with the event it failed on, and removes the record once Lambda took it', async () => {
    const functionArn = 'arn:aws:lambda:us-east-1:123456789012:function:on-check-completed';
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'check.completed.clear',
      source: 'com.complycube',
      time: '2026-03-01T10:00:00Z',
      detail: { id: 'evt_1' },
    };
    // What Lambda's on-failure destination writes after its retries (the subscription's dead-letter queue).
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: layout.deleted.dlqUrl,
        MessageBody: JSON.stringify({
          version: '1.0',
          timestamp: '2026-03-01T10:03:00.000Z',
          requestContext: {
            requestId: randomUUID(),
            functionArn: `${functionArn}:$LATEST`,
            condition: 'RetriesExhausted',
            approximateInvokeCount: 3,
          },
          requestPayload: event,
          responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
          responsePayload: { errorType: 'TypeError', errorMessage: 'boom' },
        }),
      }),
    );
    const lambda = new LambdaClient({ region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS });
    const recorded = mockClient(lambda);
    recorded.on(InvokeCommand).resolves({ StatusCode: 202 });

    const result = await redrive(['--queue', layout.deleted.dlqUrl], lambda);

    expect(result.code).toBe(0);
    expect(result.out).toContain('1 delivered');
    const calls = recorded.commandCalls(InvokeCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input?.FunctionName).toBe(functionArn);
    expect(input?.InvocationType).toBe('Event');
    const payload = input?.Payload;
    expect(payload).toBeInstanceOf(Uint8Array);
    expect(JSON.parse(Buffer.from(payload as Uint8Array).toString('utf8'))).toEqual(event);
    expect(await depth(layout.deleted.dlqUrl)).toBe(0);
  });

  it('keeps a dead letter whose target still cannot take it, and exits 1', async () => {
    const functionArn = 'arn:aws:lambda:us-east-1:123456789012:function:deleted-function';
    await deadLetter(layout.deleted, functionArn, 'client.deleted');
    const lambda = new LambdaClient({ region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS });
    mockClient(lambda)
      .on(InvokeCommand)
      .rejects(
        new ResourceNotFoundException({ message: 'Function not found: deleted-function', $metadata: {} }),
      );

    const result = await redrive(['--queue', layout.deleted.dlqArn], lambda);

    expect(result.code).toBe(1);
    expect(result.out).toContain('could not deliver: Function not found: deleted-function');
    expect(result.out).toContain('1 failed (still in the queue)');
    expect(await depth(layout.deleted.dlqUrl)).toBe(1);
  });
});

describe('quarantine', () => {
  const SECRET = 'whsec_ops_quarantine_fictional';

  /** Quarantines bodies through the real receive path and publisher, onto the moto bus. */
  async function quarantined(bodies: readonly (string | Buffer)[]): Promise<void> {
    const clock = new FakeClock(Date.now());
    const deps = {
      provider: complyCube,
      secrets: new WebhookSecrets({ source: new FakeSecretSource(SECRET), clock }),
      ledger: new FakeLedger({ clock, retentionSeconds: 86_400, leaseSeconds: 30 }),
      publisher: new EventBridgePublisher({ client: eventBridge, eventBusName: layout.bus }),
      clock,
      logger: new CapturingLogger(),
      limits: { maxEventAgeSeconds: 86_400 },
    };
    for (const body of bodies) {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      const result = await receive(
        { method: 'POST', headers: { 'complycube-signature': sign(bytes, SECRET) }, body: bytes },
        deps,
      );
      expect(result.verdict).toBe('quarantined');
    }
  }

  async function quarantine(args: string[]) {
    const io = capture();
    const options = parseQuarantineArgs(['--bus', layout.bus, ...args]);
    if (options === 'help') throw new Error('unexpected help');
    const code = await runQuarantine(options, io, { clients, waitSeconds: 0 });
    return { code, out: io.out(), err: io.err() };
  }

  it('lists reasons, ids and types, and never a body unless asked', async () => {
    const old = { ...withFreshId(loadFixture('client.created')), createdAt: '2020-01-01T00:00:00.000Z' };
    await quarantined([JSON.stringify(old), 'not json at all', Buffer.from([0xff, 0xfe, 0x00, 0x41])]);

    const hidden = await quarantine([]);
    expect(hidden.code).toBe(0);
    expect(hidden.out).toMatch(
      new RegExp(`older_than_retention  ${old.id}  client\\.created  sha256 [0-9a-f]{12}`),
    );
    expect(hidden.out).toMatch(/not_json {2}- {2}- {2}sha256/);
    expect(hidden.out).toMatch(/invalid_utf8/);
    expect(hidden.out).toContain('3 quarantined deliveries');
    expect(hidden.out).toContain('add --show-body');
    expect(hidden.out).not.toContain(String(old.payload.email));
    expect(hidden.out).not.toContain('not json at all');

    const shown = await quarantine(['--show-body']);
    expect(shown.out).toContain(String(old.payload.email));
    expect(shown.out).toContain('not json at all');
    expect(shown.out).toContain('(not UTF-8; base64) //4AQQ==');
    // Listing takes nothing out.
    expect(await depth(layout.quarantineQueue)).toBe(3);
  });

  it('deletes handled deliveries by their digest, after a dry run that deletes nothing', async () => {
    await quarantined(['first unroutable body', 'second unroutable body']);
    const listing = await quarantine(['--json']);
    const digests = listing.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; bodySha256?: string })
      .filter((line) => line.event === 'delivery')
      .map((line) => line.bodySha256 ?? '');
    expect(digests).toHaveLength(2);
    const target = (digests[0] ?? '').slice(0, 16);

    const dry = await quarantine(['--delete', target, '--dry-run']);
    expect(dry.out).toContain('1 would be deleted');
    expect(await depth(layout.quarantineQueue)).toBe(2);

    const done = await quarantine(['--delete', target]);
    expect(done.code).toBe(0);
    expect(done.out).toContain('1 deleted');
    expect(await depth(layout.quarantineQueue)).toBe(1);

    const none = await quarantine(['--delete', 'ffffffffffffffff']);
    expect(none.code).toBe(1);
    expect(none.out).toContain('nothing was deleted');
  });
});
