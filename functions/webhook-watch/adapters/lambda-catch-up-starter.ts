import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { CatchUpStart, CatchUpStarter } from '../core/ports.js';

/**
 * Starts the catch-up function asynchronously (`InvocationType: Event`): the watcher returns at
 * once; Lambda retries a failed invocation twice, and the catch-up resumes from its cursor.
 */
export class LambdaCatchUpStarter implements CatchUpStarter {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async start(request: CatchUpStart): Promise<void> {
    const { StatusCode, FunctionError } = await this.client.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(request)),
      }),
    );
    if (StatusCode !== 202 || FunctionError !== undefined) {
      throw new Error(
        `Lambda did not queue the catch-up (status ${StatusCode}, ${FunctionError ?? 'no error'}).`,
      );
    }
  }
}
