/**
 * An HTTP proxy in front of an AWS API emulator that injects faults into chosen operations, picked
 * by the `X-Amz-Target` header the AWS JSON protocols send (`DynamoDB_20120810.UpdateItem`,
 * `AWSEvents.PutEvents`, `secretsmanager.GetSecretValue`). Unlike the TCP fault proxy, it can fail
 * one step of the receive path (the completion, say) while the steps around it go through.
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export type InjectedFault =
  /** 500 with an InternalFailure body. The SDK retries it. */
  | 'http500'
  /** 400 ThrottlingException (DynamoDB's own type for DynamoDB). The SDK retries it. */
  | 'throttle'
  /** Accepts the request and never answers: the client's request timeout decides. */
  | 'stall'
  /** Destroys the connection with the request unanswered. */
  | 'reset'
  /** PutEvents only: 200 with FailedEntryCount 1, nothing put on the bus. */
  | 'partial-failure'
  /** Forwards the request (it takes effect), then answers 500: the caller cannot tell it happened. */
  | 'lost-response'
  /** Forwards the request (it takes effect), then calls `onCrash` and never answers. */
  | 'crash';

export interface FaultRule {
  /** The operation name after the dot in X-Amz-Target, e.g. `PutItem`, `PutEvents`. */
  readonly operation: string;
  readonly fault: InjectedFault;
  /** How many matching requests get the fault; the ones after go through. @default 1 */
  readonly times?: number;
  /**
   * The chance that a matching request gets the fault (a soak's background noise). With it,
   * `times` defaults to unlimited. @default 1
   */
  readonly probability?: number;
}

export interface FaultInjector {
  readonly url: string;
  /** Adds a rule; rules apply in the order added, each until its `times` are used up. */
  inject(rule: FaultRule): void;
  clear(): void;
  /** Requests seen per operation since the start. */
  readonly seen: Readonly<Record<string, number>>;
  /** Faults applied per `operation:fault` since the start. */
  readonly applied: Readonly<Record<string, number>>;
  /** Called when a `crash` fault has let its request take effect. */
  onCrash: (() => void) | undefined;
  /** Called with each faulted request's operation, fault and body (to learn which event it hit). */
  onFault: ((operation: string, fault: InjectedFault, body: Buffer) => void) | undefined;
  stop(): Promise<void>;
}

const JSON_10 = 'application/x-amz-json-1.0';

function throttleBody(operationTarget: string): string {
  return operationTarget.startsWith('DynamoDB')
    ? JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
        message: 'Rate of requests exceeds the allowed throughput.',
      })
    : JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' });
}

/** Starts the injector on a free loopback port in front of `targetUrl`. */
export async function startFaultInjector(targetUrl: string): Promise<FaultInjector> {
  const target = new URL(targetUrl);
  const agent = new Agent({ keepAlive: true });
  const rules: { rule: FaultRule; left: number }[] = [];
  const seen: Record<string, number> = {};
  const applied: Record<string, number> = {};
  const stalled = new Set<ServerResponse>();

  const injector: FaultInjector = {
    url: '',
    inject(rule) {
      const unlimited = rule.probability !== undefined && rule.times === undefined;
      rules.push({ rule, left: unlimited ? Number.POSITIVE_INFINITY : (rule.times ?? 1) });
    },
    clear() {
      rules.length = 0;
    },
    seen,
    applied,
    onCrash: undefined,
    onFault: undefined,
    stop: async () => {
      for (const response of stalled) response.destroy();
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server: Server = createServer((request, response) => {
    void handle(request, response);
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request)
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    const body = Buffer.concat(chunks);
    const amzTarget = String(request.headers['x-amz-target'] ?? '');
    const operation = amzTarget.split('.').at(-1) ?? '';
    seen[operation] = (seen[operation] ?? 0) + 1;
    const match = rules.find(
      (r) => r.left > 0 && r.rule.operation === operation && Math.random() < (r.rule.probability ?? 1),
    );
    if (match === undefined) {
      await forward(request, body, response);
      return;
    }
    match.left--;
    const { fault } = match.rule;
    applied[`${operation}:${fault}`] = (applied[`${operation}:${fault}`] ?? 0) + 1;
    injector.onFault?.(operation, fault, body);
    switch (fault) {
      case 'http500':
        response
          .writeHead(500, { 'content-type': JSON_10 })
          .end(JSON.stringify({ __type: 'InternalFailure', message: 'Injected internal failure' }));
        return;
      case 'throttle':
        response.writeHead(400, { 'content-type': JSON_10 }).end(throttleBody(amzTarget));
        return;
      case 'stall':
        stalled.add(response);
        response.on('close', () => stalled.delete(response));
        return;
      case 'reset':
        request.socket.destroy();
        return;
      case 'partial-failure':
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(
          JSON.stringify({
            FailedEntryCount: 1,
            Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'Injected failed entry' }],
          }),
        );
        return;
      case 'lost-response': {
        await forwardAndDiscard(request, body);
        response
          .writeHead(500, { 'content-type': JSON_10 })
          .end(JSON.stringify({ __type: 'InternalFailure', message: 'Injected lost response' }));
        return;
      }
      case 'crash': {
        await forwardAndDiscard(request, body);
        stalled.add(response);
        response.on('close', () => stalled.delete(response));
        injector.onCrash?.();
        return;
      }
    }
  }

  function upstream(request: IncomingMessage, body: Buffer): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: request.method,
          path: request.url,
          headers: { ...request.headers, host: target.host },
          agent,
        },
        resolve,
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  async function forward(request: IncomingMessage, body: Buffer, response: ServerResponse): Promise<void> {
    try {
      const answer = await upstream(request, body);
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    } catch {
      request.socket.destroy();
    }
  }

  async function forwardAndDiscard(request: IncomingMessage, body: Buffer): Promise<void> {
    const answer = await upstream(request, body);
    for await (const _ of answer) {
      // Read to the end so the operation has completed on the emulator before we go on.
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  Object.assign(injector, { url: `http://127.0.0.1:${port}` });
  return injector;
}
