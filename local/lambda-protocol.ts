/** Messages between a local function (`lambda-host.ts`) and its worker thread (`lambda-worker.ts`). */

export interface WorkerSetup {
  /** Directory holding the function's code. */
  readonly codeDir: string;
  /** `index.handler`, as the template names it. */
  readonly handler: string;
}

/** The invocation context a handler gets, minus its functions (added in the worker). */
export interface WorkerContext {
  readonly awsRequestId: string;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  /** Epoch ms at which the invocation times out. */
  readonly deadlineMs: number;
}

/** An error as Lambda reports it. */
export interface WorkerErrorInfo {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}

export type ToWorker = {
  readonly type: 'invoke';
  readonly id: number;
  readonly event: unknown;
  readonly context: WorkerContext;
};

export type FromWorker =
  | { readonly type: 'ready'; readonly initMs: number }
  | { readonly type: 'init-failed'; readonly error: WorkerErrorInfo }
  | {
      readonly type: 'log';
      readonly requestId: string | undefined;
      readonly stream: 'stdout' | 'stderr';
      readonly text: string;
    }
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'result'; readonly id: number; readonly ok: false; readonly error: WorkerErrorInfo };
