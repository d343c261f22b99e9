/**
 * Reads what the local stack needs out of a synthesized CloudFormation template: tables, buses,
 * queues, secrets, functions (with their bundled code), function URLs and rules with their targets.
 * The template is the one source of truth; nothing here knows which rules the app declares.
 */

/** A CloudFormation resource as it appears in a template. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly Metadata?: Readonly<Record<string, unknown>>;
}

export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, CfnResource>>;
}

/** The region and account the local stack pretends to be in (moto's default account). */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '123456789012';

/** What a resource resolves to once it exists locally: `Ref` and `Fn::GetAtt` values. */
export interface PhysicalResource {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export type PhysicalResources = ReadonlyMap<string, PhysicalResource>;

/** A template value this local stack cannot work out (an unknown intrinsic, a missing resource). */
export class UnresolvableError extends Error {
  override readonly name = 'UnresolvableError';
}

const PSEUDO: Readonly<Record<string, string>> = {
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};

/**
 * Resolves CloudFormation intrinsics against the local resources: `Ref`, `Fn::GetAtt`, `Fn::Join`,
 * `Fn::Sub`, `Fn::Select`, `Fn::Split` and the pseudo parameters. Throws `UnresolvableError` for
 * anything else, naming it.
 *
 * @example
 * resolveValue({ 'Fn::GetAtt': ['Bus', 'Arn'] }, physical, 'MyStack'); // 'arn:aws:events:…:event-bus/…'
 */
export function resolveValue(value: unknown, physical: PhysicalResources, stackName: string): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, physical, stackName));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  const [key, argument] = entries[0] ?? [];
  if (entries.length !== 1 || key === undefined || !(key === 'Ref' || key.startsWith('Fn::'))) {
    return Object.fromEntries(entries.map(([k, v]) => [k, resolveValue(v, physical, stackName)]));
  }
  const text = (v: unknown): string => String(resolveValue(v, physical, stackName));
  switch (key) {
    case 'Ref': {
      const name = String(argument);
      if (name === 'AWS::StackName') return stackName;
      if (name === 'AWS::NoValue') return undefined;
      const pseudo = PSEUDO[name];
      if (pseudo !== undefined) return pseudo;
      return resource(physical, name).ref;
    }
    case 'Fn::GetAtt': {
      const [id, attribute] = Array.isArray(argument) ? argument.map(String) : String(argument).split('.', 2);
      const found = resource(physical, String(id)).attributes[String(attribute)];
      if (found === undefined) {
        throw new UnresolvableError(
          `${id}.${attribute} has no local value (Fn::GetAtt of an attribute the local stack does not model).`,
        );
      }
      return found;
    }
    case 'Fn::Join': {
      const [delimiter, list] = Array.isArray(argument) ? argument : [];
      const items = resolveValue(list, physical, stackName);
      if (!Array.isArray(items))
        throw new UnresolvableError(`Fn::Join of a non-list: ${JSON.stringify(argument)}`);
      return items.map(String).join(String(delimiter));
    }
    case 'Fn::Select': {
      const [index, list] = Array.isArray(argument) ? argument : [];
      const items = resolveValue(list, physical, stackName);
      if (!Array.isArray(items))
        throw new UnresolvableError(`Fn::Select from a non-list: ${JSON.stringify(argument)}`);
      return items[Number(resolveValue(index, physical, stackName))];
    }
    case 'Fn::Split': {
      const [delimiter, source] = Array.isArray(argument) ? argument : [];
      return text(source).split(String(delimiter));
    }
    case 'Fn::Sub': {
      const [template, variables] = Array.isArray(argument) ? argument : [argument, {}];
      const vars = (typeof variables === 'object' && variables !== null ? variables : {}) as Record<
        string,
        unknown
      >;
      return String(template).replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
        if (Object.hasOwn(vars, name)) return text(vars[name]);
        const [id, attribute] = name.split('.', 2);
        return attribute === undefined ? text({ Ref: id }) : text({ 'Fn::GetAtt': [id, attribute] });
      });
    }
    default:
      throw new UnresolvableError(
        `${key} is not supported by the local stack (in ${JSON.stringify(value).slice(0, 200)}).`,
      );
  }
}

function resource(physical: PhysicalResources, id: string): PhysicalResource {
  const found = physical.get(id);
  if (found === undefined)
    throw new UnresolvableError(`The template refers to ${id}, which is not one of its resources.`);
  return found;
}

/** The logical id a `Ref` or `Fn::GetAtt` points at, or `undefined` for anything else. */
export function referencedId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return v.Ref;
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/** The construct path without the stack and the trailing `/Resource`, e.g. `ComplyCube/OnCheckCompletedAll`. */
export function displayName(stackName: string, logicalId: string, resourceDef: CfnResource): string {
  const path = resourceDef.Metadata?.['aws:cdk:path'];
  if (typeof path !== 'string') return logicalId;
  const parts = path.split('/');
  if (parts[0] === stackName) parts.shift();
  if (parts.at(-1) === 'Resource') parts.pop();
  return parts.join('/') || logicalId;
}

// ---------------------------------------------------------------------------------------------
// The model

export interface TableSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly displayName: string;
  readonly properties: Readonly<Record<string, unknown>>;
}

export interface NamedSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly displayName: string;
  readonly properties: Readonly<Record<string, unknown>>;
}

export interface FunctionSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly displayName: string;
  readonly runtime: string;
  /** `index.handler`: module path and export, as the template names it. */
  readonly handler: string;
  /** Directory of the code (the bundled asset), or `undefined` when the code is not local. */
  readonly codeDir: string | undefined;
  /** Inline code (`Code.ZipFile`), written out as `index.js` when used. */
  readonly inlineCode: string | undefined;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** Environment variables as the template has them (intrinsics unresolved). */
  readonly environment: Readonly<Record<string, unknown>>;
  /** The function's own dead-letter target (`DeadLetterConfig.TargetArn`), unresolved. */
  readonly deadLetterTarget: unknown;
}

/** `AWS::Lambda::EventInvokeConfig`: how Lambda retries asynchronous invocations of a function. */
export interface InvokeConfigSpec {
  readonly functionLogicalId: string;
  readonly maximumRetryAttempts: number | undefined;
  readonly maximumEventAgeSeconds: number | undefined;
  readonly onFailure: unknown;
  readonly onSuccess: unknown;
}

export interface UrlSpec {
  readonly logicalId: string;
  readonly functionLogicalId: string;
  readonly authType: string;
}

export interface TargetSpec {
  readonly id: string;
  /** The target's ARN as the template has it. */
  readonly arn: unknown;
  /** The logical id of the target when it is a resource of this template. */
  readonly resourceId: string | undefined;
  readonly input: unknown;
  readonly inputPath: unknown;
  readonly inputTransformer: unknown;
  readonly retryPolicy: Readonly<Record<string, unknown>> | undefined;
  readonly deadLetterArn: unknown;
}

export interface RuleSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly displayName: string;
  /** The bus as the template has it (`Ref`, a name, an ARN) or undefined for the default bus. */
  readonly eventBus: unknown;
  readonly eventPattern: unknown;
  readonly scheduleExpression: string | undefined;
  readonly enabled: boolean;
  readonly targets: readonly TargetSpec[];
}

export interface StackModel {
  readonly stackName: string;
  readonly resources: Readonly<Record<string, CfnResource>>;
  readonly tables: readonly TableSpec[];
  readonly buses: readonly NamedSpec[];
  readonly queues: readonly NamedSpec[];
  readonly secrets: readonly NamedSpec[];
  readonly buckets: readonly NamedSpec[];
  readonly functions: readonly FunctionSpec[];
  readonly invokeConfigs: readonly InvokeConfigSpec[];
  readonly urls: readonly UrlSpec[];
  readonly rules: readonly RuleSpec[];
}

/** Local names: what CloudFormation would generate is unknowable, so `<stack>-<logical id>`, cut to fit. */
function localName(stackName: string, logicalId: string, max: number, allowed: RegExp): string {
  return `${stackName}-${logicalId}`.replace(allowed, '-').slice(0, max);
}

function literal(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function numberOr(value: unknown, fallback: number): number;
function numberOr(value: unknown, fallback: undefined): number | undefined;
function numberOr(value: unknown, fallback: number | undefined): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(n) ? n : fallback;
}

/**
 * The local model of one synthesized stack. `assemblyDir` locates bundled assets
 * (`aws:asset:path` metadata, relative to the cloud assembly).
 *
 * @example
 * const model = readStack('ComplyCubeWebhooks', template, '.dev/cdk.out');
 * model.rules.map((rule) => rule.eventPattern);
 */
export function readStack(stackName: string, template: CfnTemplate, assemblyDir: string): StackModel {
  const resources = template.Resources ?? {};
  const of = (type: string): [string, CfnResource][] =>
    Object.entries(resources).filter(([, r]) => r.Type === type);
  const props = (r: CfnResource): Readonly<Record<string, unknown>> => r.Properties ?? {};

  const tables = of('AWS::DynamoDB::Table').map(([id, r]) => ({
    logicalId: id,
    name: literal(props(r).TableName) ?? localName(stackName, id, 255, /[^A-Za-z0-9_.-]/g),
    displayName: displayName(stackName, id, r),
    properties: props(r),
  }));
  const buses = of('AWS::Events::EventBus').map(([id, r]) => ({
    logicalId: id,
    name: literal(props(r).Name) ?? localName(stackName, id, 256, /[^A-Za-z0-9._-]/g),
    displayName: displayName(stackName, id, r),
    properties: props(r),
  }));
  const queues = of('AWS::SQS::Queue').map(([id, r]) => {
    const fifo = props(r).FifoQueue === true || props(r).FifoQueue === 'true';
    const base = literal(props(r).QueueName) ?? localName(stackName, id, fifo ? 75 : 80, /[^A-Za-z0-9_-]/g);
    return {
      logicalId: id,
      name: fifo && !base.endsWith('.fifo') ? `${base}.fifo` : base,
      displayName: displayName(stackName, id, r),
      properties: props(r),
    };
  });
  const secrets = of('AWS::SecretsManager::Secret').map(([id, r]) => ({
    logicalId: id,
    name: literal(props(r).Name) ?? `${stackName}/${id}`,
    displayName: displayName(stackName, id, r),
    properties: props(r),
  }));
  const buckets = of('AWS::S3::Bucket').map(([id, r]) => ({
    logicalId: id,
    // Bucket names are lowercase, 3 to 63 characters, no leading or trailing hyphen.
    name:
      literal(props(r).BucketName) ??
      `${stackName}-${id}`
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-')
        .slice(0, 63)
        .replace(/^-+|-+$/g, ''),
    displayName: displayName(stackName, id, r),
    properties: props(r),
  }));
  const functions = of('AWS::Lambda::Function').map(([id, r]): FunctionSpec => {
    const p = props(r);
    const code = (p.Code ?? {}) as Record<string, unknown>;
    const assetPath = r.Metadata?.['aws:asset:path'];
    const environment = ((p.Environment as Record<string, unknown> | undefined)?.Variables ?? {}) as Record<
      string,
      unknown
    >;
    return {
      logicalId: id,
      name: literal(p.FunctionName) ?? localName(stackName, id, 64, /[^A-Za-z0-9_-]/g),
      displayName: displayName(stackName, id, r),
      runtime: literal(p.Runtime) ?? 'unknown',
      handler: literal(p.Handler) ?? 'index.handler',
      codeDir: typeof assetPath === 'string' ? joinPath(assemblyDir, assetPath) : undefined,
      inlineCode: literal(code.ZipFile),
      timeoutSeconds: numberOr(p.Timeout, 3),
      memoryMb: numberOr(p.MemorySize, 128),
      environment,
      deadLetterTarget: (p.DeadLetterConfig as Record<string, unknown> | undefined)?.TargetArn,
    };
  });
  const invokeConfigs = of('AWS::Lambda::EventInvokeConfig').flatMap(([, r]): InvokeConfigSpec[] => {
    const p = props(r);
    const fn = referencedId(p.FunctionName) ?? literal(p.FunctionName);
    if (fn === undefined) return [];
    const destinations = (p.DestinationConfig ?? {}) as Record<string, Record<string, unknown> | undefined>;
    return [
      {
        functionLogicalId: fn,
        maximumRetryAttempts: numberOr(p.MaximumRetryAttempts, undefined),
        maximumEventAgeSeconds: numberOr(p.MaximumEventAgeInSeconds, undefined),
        onFailure: destinations.OnFailure?.Destination,
        onSuccess: destinations.OnSuccess?.Destination,
      },
    ];
  });
  const urls = of('AWS::Lambda::Url').flatMap(([id, r]): UrlSpec[] => {
    const fn = referencedId(props(r).TargetFunctionArn);
    return fn === undefined
      ? []
      : [{ logicalId: id, functionLogicalId: fn, authType: literal(props(r).AuthType) ?? 'NONE' }];
  });
  const rules = of('AWS::Events::Rule').map(([id, r]): RuleSpec => {
    const p = props(r);
    const targets = Array.isArray(p.Targets) ? (p.Targets as Record<string, unknown>[]) : [];
    return {
      logicalId: id,
      name: literal(p.Name) ?? id.slice(0, 64),
      displayName: displayName(stackName, id, r),
      eventBus: p.EventBusName,
      eventPattern: p.EventPattern,
      scheduleExpression: literal(p.ScheduleExpression),
      enabled: p.State === undefined || p.State === 'ENABLED',
      targets: targets.map((t) => ({
        id: String(t.Id),
        arn: t.Arn,
        resourceId: referencedId(t.Arn),
        input: t.Input,
        inputPath: t.InputPath,
        inputTransformer: t.InputTransformer,
        retryPolicy: t.RetryPolicy as Record<string, unknown> | undefined,
        deadLetterArn: (t.DeadLetterConfig as Record<string, unknown> | undefined)?.Arn,
      })),
    };
  });
  return {
    stackName,
    resources,
    tables,
    buses,
    queues,
    secrets,
    buckets,
    functions,
    invokeConfigs,
    urls,
    rules,
  };
}

function joinPath(dir: string, relative: string): string {
  return relative.startsWith('/') ? relative : `${dir.replace(/\/$/, '')}/${relative}`;
}
