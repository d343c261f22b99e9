import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type DeadLetter, type DeadLetters, deadLetterBody, INVALID_EVENT_ERROR } from './dead-letters.js';

/** Sends refused events to the subscription's dead-letter queue (the construct grants `sqs:SendMessage`). */
export class SqsDeadLetters implements DeadLetters {
  constructor(
    private readonly queueUrl: string,
    private readonly client: SQSClient = new SQSClient({}),
  ) {}

  async send(letter: DeadLetter): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: deadLetterBody(letter),
        // The attributes EventBridge sets on its own dead letters, so one reader handles all three kinds.
        MessageAttributes: {
          ERROR_CODE: { DataType: 'String', StringValue: INVALID_EVENT_ERROR },
          ERROR_MESSAGE: { DataType: 'String', StringValue: letter.reason.slice(0, 1000) },
        },
      }),
    );
  }
}
