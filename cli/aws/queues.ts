/**
 * Reading SQS queues without taking from them: messages are received with a visibility timeout
 * long enough to work on them, then either deleted (done) or made visible again at once
 * (`release`), so a dry run or a skipped message leaves the queue as it was.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { OpsError } from '../kit/failure.js';
import { awsFailure, isNotFound } from './clients.js';

const SQS_ARN = /^arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,80}(\.fifo)?)$/;

/** The queue's URL from its URL, ARN or name. */
export async function queueUrl(sqs: SQSClient, reference: string): Promise<string> {
  if (/^https?:\/\//.test(reference)) return reference;
  const arn = SQS_ARN.exec(reference);
  const name = arn?.[3] ?? reference;
  try {
    const result = await sqs.send(
      new GetQueueUrlCommand({
        QueueName: name,
        ...(arn?.[2] === undefined ? {} : { QueueOwnerAWSAccountId: arn[2] }),
      }),
    );
    if (result.QueueUrl === undefined) throw new OpsError(`SQS gave no URL for the queue ${reference}.`);
    return result.QueueUrl;
  } catch (error) {
    if (isNotFound(error)) {
      throw new OpsError(
        `There is no queue '${reference}' in this region (or you may not see it). Check the name and --region.`,
        {
          cause: error,
        },
      );
    }
    if (error instanceof OpsError) throw error;
    throw awsFailure(error, `find the queue ${reference}`);
  }
}

/** The name of a queue from its ARN or URL. */
export function queueName(reference: string): string {
  return reference.split(/[:/]/).at(-1) ?? reference;
}

/** How many messages wait in the queue, and how many are being worked on. */
export async function queueDepth(
  sqs: SQSClient,
  url: string,
): Promise<{ visible: number; inFlight: number }> {
  const result = await sqs
    .send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    )
    .catch((error: unknown) => {
      throw awsFailure(error, `read the depth of ${queueName(url)}`);
    });
  return {
    visible: Number(result.Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

export interface ReadOptions {
  /** Stop after this many messages. */
  readonly max: number;
  /** Seconds each message stays hidden from others while we work on it. */
  readonly visibilitySeconds: number;
  /** Long-poll wait of each receive; 0 in tests against an emulator that answers at once. */
  readonly waitSeconds: number;
}

/**
 * Calls `handle` for each message, at most once per message and at most `max` times, until a
 * receive brings nothing new. `handle` says whether the message is done (deleted by the caller)
 * or should go back (`'release'`); released messages are made visible again at the end, so they
 * are not received twice in one run.
 */
export async function forEachMessage(
  sqs: SQSClient,
  url: string,
  options: ReadOptions,
  handle: (message: Message) => Promise<'done' | 'release'>,
): Promise<void> {
  const seen = new Set<string>();
  const toRelease: Message[] = [];
  try {
    while (seen.size < options.max) {
      const batch = await sqs
        .send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: Math.min(10, options.max - seen.size),
            VisibilityTimeout: options.visibilitySeconds,
            WaitTimeSeconds: options.waitSeconds,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
          }),
        )
        .catch((error: unknown) => {
          throw awsFailure(error, `read messages from ${queueName(url)}`);
        });
      const fresh = (batch.Messages ?? []).filter((m) => m.MessageId !== undefined && !seen.has(m.MessageId));
      if (fresh.length === 0) break;
      for (const message of fresh) {
        if (message.MessageId !== undefined) seen.add(message.MessageId);
        if ((await handle(message)) === 'release') toRelease.push(message);
      }
    }
  } finally {
    await release(sqs, url, toRelease);
  }
}

/** Makes messages visible again at once. */
async function release(sqs: SQSClient, url: string, messages: readonly Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const entries = messages
      .slice(i, i + 10)
      .filter((m): m is Message & { ReceiptHandle: string } => m.ReceiptHandle !== undefined)
      .map((m, index) => ({ Id: String(index), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));
    if (entries.length === 0) continue;
    await sqs
      .send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: entries }))
      .catch((error: unknown) => {
        throw awsFailure(
          error,
          `put messages back on ${queueName(url)} (they reappear by themselves after the visibility timeout)`,
        );
      });
  }
}

/** A message attribute's string value. */
export function attribute(message: Message, name: string): string | undefined {
  return message.MessageAttributes?.[name]?.StringValue;
}
