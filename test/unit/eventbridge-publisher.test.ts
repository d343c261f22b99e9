import { EventBridgeClient, InternalException, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgePublisher } from '../../functions/receiver/adapters/eventbridge-publisher.js';
import { PublishError } from '../../functions/receiver/core/errors.js';
import type { BusEntry } from '../../functions/receiver/core/ports/publisher.js';

const BUS = 'complycube-events';
const ENTRY: BusEntry = {
  source: 'com.complycube',
  detailType: 'check.completed.clear',
  detail: '{"id":"5ed170fe99c81a0007b9a3d3","type":"check.completed.clear"}',
  time: new Date('2020-01-01T11:14:23.964Z'),
};

const eventBridge = mockClient(EventBridgeClient);

function publisher(eventBusName = BUS): EventBridgePublisher {
  return new EventBridgePublisher({
    client: new EventBridgeClient({
      region: 'eu-west-2',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    }),
    eventBusName,
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

beforeEach(() => {
  eventBridge.reset();
});

describe('EventBridgePublisher', () => {
  it('sends exactly one entry on the configured bus', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });

    await publisher().publish(ENTRY);

    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input.Entries).toEqual([
      {
        EventBusName: BUS,
        Source: 'com.complycube',
        DetailType: 'check.completed.clear',
        Detail: ENTRY.detail,
        Time: ENTRY.time,
      },
    ]);
  });

  it('reports how many requests the SDK sent, so a retried PutEvents can be flagged', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }], $metadata: { attempts: 2 } });

    const receipt = await publisher().publish(ENTRY);

    expect(receipt).toEqual({ attempts: 2 });
  });

  it('passes a bus ARN through as the bus name', async () => {
    const arn = 'arn:aws:events:eu-west-2:123456789012:event-bus/complycube-events';
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });

    await publisher(arn).publish(ENTRY);

    expect(eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.EventBusName).toBe(arn);
  });

  it('leaves Time out when the entry has none', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });

    await publisher().publish({ ...ENTRY, time: undefined });

    expect(eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.Time).toBeUndefined();
  });

  it('resolves when the response has no FailedEntryCount', async () => {
    eventBridge.on(PutEventsCommand).resolves({ Entries: [{ EventId: 'e-1' }] });

    await expect(publisher().publish(ENTRY)).resolves.toEqual({ attempts: 1 });
  });

  it('rejects with a PublishError carrying the ErrorCode when the entry failed', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service error.' }],
    });

    const error = await rejection(publisher().publish(ENTRY));

    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({ errorCode: 'InternalFailure', statusCode: 503 });
    expect(error instanceof Error ? error.message : '').toContain('InternalFailure');
  });

  it('rejects with a PublishError without a code when a failed entry says nothing', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{}] });

    const error = await rejection(publisher().publish(ENTRY));

    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({ errorCode: undefined });
  });

  it('rejects with a PublishError carrying the cause when the SDK call fails', async () => {
    const cause = new InternalException({ message: 'boom', $metadata: { httpStatusCode: 500 } });
    eventBridge.on(PutEventsCommand).rejects(cause);

    const error = await rejection(publisher().publish(ENTRY));

    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({ cause, errorCode: undefined });
  });

  it('rejects with a PublishError carrying the cause on a network failure', async () => {
    const cause = new Error('socket hang up');
    eventBridge.on(PutEventsCommand).rejects(cause);

    const error = await rejection(publisher().publish(ENTRY));

    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({ cause });
  });
});

describe('EventBridgePublisher: which failures no retry can fix', () => {
  it('marks InvalidArgument and MalformedDetail entries as permanent', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' }],
    });

    const error = await rejection(publisher().publish(ENTRY));

    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).permanent).toBe(true);
  });

  it('does not mark a throttled or internally failed entry as permanent', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
    });

    const error = await rejection(publisher().publish(ENTRY));

    expect((error as PublishError).permanent).toBe(false);
  });

  it('marks a request-level ValidationException as permanent, and a throttled request as not', async () => {
    const validation = Object.assign(new Error('1 validation error detected'), {
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
    eventBridge
      .on(PutEventsCommand)
      .rejectsOnce(validation)
      .rejectsOnce(
        Object.assign(new Error('Rate exceeded'), {
          name: 'ThrottlingException',
          $metadata: { httpStatusCode: 400 },
        }),
      );

    const refused = await rejection(publisher().publish(ENTRY));
    const throttled = await rejection(publisher().publish(ENTRY));

    expect((refused as PublishError).permanent).toBe(true);
    expect((throttled as PublishError).permanent).toBe(false);
  });
});

describe('EventBridgePublisher: a call that failed after more than one attempt', () => {
  it('reports the attempts, since an earlier one may have reached the bus', async () => {
    const failure = Object.assign(new Error('socket timed out'), {
      name: 'TimeoutError',
      $metadata: { attempts: 2 },
    });
    eventBridge.on(PutEventsCommand).rejects(failure);

    const error = await rejection(publisher().publish(ENTRY));

    expect((error as PublishError).attempts).toBe(2);
  });
});
