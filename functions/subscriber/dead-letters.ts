/** Where an event that is not valid goes, with its reason, without going through Lambda's retries. */
export interface DeadLetters {
  send(letter: DeadLetter): Promise<void>;
}

export interface DeadLetter {
  /** Why the event was refused, never its content. */
  readonly reason: string;
  /** The invocation's payload exactly as Lambda passed it. */
  readonly event: unknown;
  readonly functionArn: string | undefined;
  readonly requestId: string | undefined;
  readonly time: Date;
}

/** The `errorType` a refused event's dead letter carries. */
export const INVALID_EVENT_ERROR = 'InvalidEventError';
/** The `condition` a refused event's dead letter carries (Lambda's own are `RetriesExhausted`, `EventAgeExceeded`). */
export const REJECTED_CONDITION = 'RejectedInvalidEvent';

/**
 * The message body: the same record Lambda's on-failure destination writes (so `redrive` and a
 * person read both kinds alike), with the reason as the error message.
 */
export function deadLetterBody(letter: DeadLetter): string {
  return JSON.stringify({
    version: '1.0',
    timestamp: letter.time.toISOString(),
    requestContext: {
      requestId: letter.requestId ?? 'unknown',
      functionArn: letter.functionArn ?? 'unknown',
      condition: REJECTED_CONDITION,
      approximateInvokeCount: 1,
    },
    requestPayload: letter.event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: INVALID_EVENT_ERROR, errorMessage: letter.reason },
  });
}
