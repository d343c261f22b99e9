import type { LambdaFunctionURLEvent } from 'aws-lambda';
import type { ReceiveResult, WebhookRequest } from './core/receive.js';

/** A function URL event (payload format 2.0) as a webhook request: the body's bytes exactly as sent. */
export function toWebhookRequest(event: LambdaFunctionURLEvent): WebhookRequest {
  const raw = event.body ?? '';
  return {
    method: event.requestContext.http.method,
    headers: event.headers ?? {},
    body: event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8'),
  };
}

/** The structured function URL response (a subset of `LambdaFunctionURLResult`). */
export interface FunctionUrlResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function toFunctionUrlResult(result: ReceiveResult): FunctionUrlResponse {
  return { statusCode: result.statusCode, headers: { ...result.headers }, body: JSON.stringify(result.body) };
}
