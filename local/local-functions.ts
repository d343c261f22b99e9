/**
 * The stack's functions, each run in its own local environment: the variables Lambda sets, the
 * template's own (resolved), and the emulators in place of AWS.
 */
import { join } from 'node:path';
import { LocalFunction, writeInlineCode } from './lambda-host.js';
import type { Reporter } from './live-log.js';
import { LOCAL_CREDENTIALS, type LocalReceiver, type ProvisionedStack } from './provision.js';
import { type FunctionSpec, LOCAL_REGION, resolveValue } from './template.js';

/** The emulators' endpoints, which every local function talks to instead of AWS. */
export interface EmulatorEndpoints {
  readonly dynamodb: string;
  readonly moto: string;
}

/** Every function a function URL or a rule can reach, by `<stack>/<logical id>` (not started yet). */
export function localFunctions(
  stacks: readonly ProvisionedStack[],
  endpoints: EmulatorEndpoints,
  stateDir: string,
  report: Reporter,
): Map<string, LocalFunction> {
  const functions = new Map<string, LocalFunction>();
  for (const stack of stacks) {
    const reachable = new Set([
      ...stack.receivers.map((r) => r.fn.logicalId),
      ...stack.rules.flatMap((rule) =>
        rule.targets.flatMap((t) => (t.kind === 'function' ? [t.fn.logicalId] : [])),
      ),
    ]);
    for (const id of reachable) {
      const spec = stack.functions.get(id);
      if (spec === undefined) continue;
      const local = localFunction(stack, spec, endpoints, stateDir, report);
      if (local !== undefined) functions.set(`${stack.model.stackName}/${id}`, local);
    }
  }
  return functions;
}

/**
 * Loads every function's code once. A receiver that fails to load stops the start (throws); a
 * subscriber that fails to load is a warning, and each event for it fails until it is fixed.
 */
export async function warmFunctions(
  functions: ReadonlyMap<string, LocalFunction>,
  receivers: readonly LocalReceiver[],
  report: Reporter,
): Promise<void> {
  const warmed = await Promise.all(
    [...functions.entries()].map(async ([key, fn]) => ({ key, fn, result: await fn.warm() })),
  );
  for (const { key, fn, result } of warmed) {
    if (!('error' in result)) continue;
    const isReceiver = receivers.some((r) => `${r.stackName}/${r.fn.logicalId}` === key);
    const text = `${fn.spec.displayName} failed to load: ${result.error.errorType}: ${result.error.errorMessage}`;
    if (isReceiver) throw new Error(text);
    report({
      kind: 'warning',
      text: `${text} (each event for it will fail until fixed; restart npm run dev after fixing)`,
    });
  }
}

function localFunction(
  stack: ProvisionedStack,
  spec: FunctionSpec,
  endpoints: { dynamodb: string; moto: string },
  stateDir: string,
  report: Reporter,
): LocalFunction | undefined {
  if (!spec.runtime.startsWith('nodejs')) {
    report({
      kind: 'warning',
      text: `${spec.displayName} runs on ${spec.runtime}; the local stack runs Node.js functions only, so its events are logged but not delivered.`,
    });
    return undefined;
  }
  const codeDir =
    spec.codeDir ??
    (spec.inlineCode === undefined
      ? undefined
      : writeInlineCode(join(stateDir, 'inline', spec.logicalId), spec.inlineCode));
  if (codeDir === undefined) {
    report({
      kind: 'warning',
      text: `${spec.displayName} has no local code (not a bundled asset); its events are logged but not delivered.`,
    });
    return undefined;
  }
  const own: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.environment)) {
    const resolved = resolveValue(value, stack.physical, stack.model.stackName);
    if (resolved !== undefined)
      own[name] = typeof resolved === 'string' ? resolved : JSON.stringify(resolved);
  }
  const arn = String(
    resolveValue({ 'Fn::GetAtt': [spec.logicalId, 'Arn'] }, stack.physical, stack.model.stackName),
  );
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    ...own,
    // What Lambda sets, and the emulators in place of AWS: nothing a local function does reaches AWS.
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL: endpoints.moto,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: endpoints.dynamodb,
    AWS_LAMBDA_FUNCTION_NAME: spec.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.name}`,
    AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
    LAMBDA_TASK_ROOT: codeDir,
    _HANDLER: spec.handler,
    // The functions run on this machine's Node.js, not the runtime's; the SDK's note about old
    // versions would repeat in every environment.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  return new LocalFunction(
    {
      name: spec.name,
      displayName: spec.displayName,
      arn,
      codeDir,
      handler: spec.handler,
      timeoutSeconds: spec.timeoutSeconds,
      memoryMb: spec.memoryMb,
      env,
    },
    (output) => report({ kind: 'function-output', function: spec.displayName, text: output.text }),
  );
}
