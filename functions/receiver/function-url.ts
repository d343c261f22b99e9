import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import type { ReceiveResult, WebhookRequest } from './receive.js';

/** A function URL event (payload format 2.0) as a webhook request: the body's bytes exactly as sent. */
export function toWebhookRequest(event: LambdaFunctionURLEvent): WebhookRequest {
  const raw = event.body ?? '';
  return {
    method: event.requestContext.http.method,
    headers: event.headers ?? {},
    body: event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8'),
  };
}

export function toFunctionUrlResult(result: ReceiveResult): LambdaFunctionURLResult {
  return { statusCode: result.statusCode, headers: { ...result.headers }, body: JSON.stringify(result.body) };
}
