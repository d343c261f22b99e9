/**
 * Creates in the emulators what a synthesized stack declares: tables (key schema, indexes, TTL),
 * buses, queues, secrets and rules with their event patterns. Each rule also gets a "tap" queue as
 * an extra target, so the local stack sees every event the rule matches: that is how subscriber
 * functions get invoked (moto cannot run Lambda without Docker) and how the log shows matches.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  type FunctionSpec,
  type InvokeConfigSpec,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  type PhysicalResource,
  type PhysicalResources,
  type RuleSpec,
  resolveValue,
  type StackModel,
  type TargetSpec,
} from './template.js';

/**
 * Dummy credentials for everything that talks to the emulators, the local functions included.
 * DynamoDB Local keeps one database per access key and region, so all must use the same key.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export interface EmulatorClients {
  readonly dynamodb: DynamoDBClient;
  readonly eventBridge: EventBridgeClient;
  readonly sqs: SQSClient;
  readonly secretsManager: SecretsManagerClient;
  /** moto's endpoint, for the few calls made without an SDK client (S3 buckets). */
  readonly moto: string;
  destroy(): void;
}

export function emulatorClients(endpoints: { dynamodb: string; moto: string }): EmulatorClients {
  const moto = endpoints.moto;
  const base = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 3 } as const;
  const clients = {
    dynamodb: new DynamoDBClient({ ...base, endpoint: endpoints.dynamodb }),
    eventBridge: new EventBridgeClient({ ...base, endpoint: endpoints.moto }),
    sqs: new SQSClient({ ...base, endpoint: endpoints.moto }),
    secretsManager: new SecretsManagerClient({ ...base, endpoint: endpoints.moto }),
  };
  return {
    ...clients,
    moto,
    destroy: () => {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}

/** What a rule delivers to, as the local stack handles it. */
export type LocalTarget =
  | { readonly kind: 'function'; readonly target: TargetSpec; readonly fn: FunctionSpec }
  | { readonly kind: 'queue'; readonly target: TargetSpec; readonly queueName: string }
  | { readonly kind: 'other'; readonly target: TargetSpec; readonly description: string };

export interface LocalRule {
  readonly stackName: string;
  readonly spec: RuleSpec;
  readonly busName: string;
  /** The queue that receives a copy of every event the rule matches. */
  readonly tapQueueUrl: string;
  readonly targets: readonly LocalTarget[];
}

export interface LocalReceiver {
  readonly stackName: string;
  readonly fn: FunctionSpec;
  /** The provider it serves (its `WEBHOOK_PROVIDER`), or the function's name. */
  readonly provider: string;
  readonly authType: string;
}

export interface ProvisionedStack {
  readonly model: StackModel;
  readonly physical: PhysicalResources;
  readonly rules: readonly LocalRule[];
  readonly receivers: readonly LocalReceiver[];
  /** Functions by logical id that the local stack may invoke. */
  readonly functions: ReadonlyMap<string, FunctionSpec>;
  readonly invokeConfigs: ReadonlyMap<string, InvokeConfigSpec>;
  /** Queue URLs by logical id. */
  readonly queueUrls: ReadonlyMap<string, string>;
  /** Things the local stack does not imitate, for the log. */
  readonly notes: readonly string[];
}

/**
 * Creates the stack's resources in the emulators. `webhookSecret` becomes the value of every secret
 * a function URL's function reads (the receivers'); other secrets get what the template says.
 *
 * @example
 * const stack = await provision(model, clients, { webhookSecret: 'whsec_local_…' });
 */
export async function provision(
  model: StackModel,
  clients: EmulatorClients,
  options: { readonly webhookSecret: string },
): Promise<ProvisionedStack> {
  const notes: string[] = [];
  const physical = new Map<string, PhysicalResource>();
  const arn = (service: string, resource: string): string =>
    `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resource}`;

  // Every resource gets a stand-in first, so a reference to something not modelled still resolves.
  for (const [id, resource] of Object.entries(model.resources)) {
    const service = resource.Type.split('::')[1]?.toLowerCase() ?? 'unknown';
    physical.set(id, { ref: id, attributes: { Arn: arn(service, `${service}/${id}`) } });
  }
  for (const fn of model.functions) {
    physical.set(fn.logicalId, { ref: fn.name, attributes: { Arn: arn('lambda', `function:${fn.name}`) } });
  }

  const receiverSecrets = new Set(
    model.urls.flatMap((url) => {
      const fn = model.functions.find((f) => f.logicalId === url.functionLogicalId);
      return Object.values(fn?.environment ?? {}).flatMap((value) => {
        const id = (value as { Ref?: unknown } | undefined)?.Ref;
        return typeof id === 'string' ? [id] : [];
      });
    }),
  );

  const queueUrls = new Map<string, string>();
  await Promise.all([
    ...model.tables.map(async (table) => {
      const tableArn = await createTable(clients.dynamodb, table.name, table.properties);
      physical.set(table.logicalId, { ref: table.name, attributes: { Arn: tableArn } });
    }),
    ...model.buses.map(async (bus) => {
      const created = await clients.eventBridge.send(new CreateEventBusCommand({ Name: bus.name }));
      const busArn = created.EventBusArn ?? arn('events', `event-bus/${bus.name}`);
      physical.set(bus.logicalId, { ref: bus.name, attributes: { Arn: busArn, Name: bus.name } });
    }),
    ...model.queues.map(async (queue) => {
      const { url, queueArn } = await createQueue(clients.sqs, queue.name, queue.properties);
      queueUrls.set(queue.logicalId, url);
      physical.set(queue.logicalId, {
        ref: url,
        attributes: { Arn: queueArn, QueueName: queue.name, QueueUrl: url },
      });
    }),
    ...model.buckets.map(async (bucket) => {
      // Path-style, as the functions reach moto; moto does not check the signature.
      const response = await fetch(`${clients.moto}/${bucket.name}`, { method: 'PUT' });
      if (!response.ok)
        throw new Error(
          `moto did not create bucket ${bucket.name}: ${response.status} ${await response.text()}`,
        );
      physical.set(bucket.logicalId, {
        ref: bucket.name,
        attributes: {
          Arn: `arn:aws:s3:::${bucket.name}`,
          DomainName: `${bucket.name}.s3.amazonaws.com`,
          RegionalDomainName: `${bucket.name}.s3.${LOCAL_REGION}.amazonaws.com`,
        },
      });
    }),
    ...model.secrets.map(async (secret) => {
      const value = receiverSecrets.has(secret.logicalId)
        ? options.webhookSecret
        : secretValue(secret.properties);
      const created = await clients.secretsManager.send(
        new CreateSecretCommand({ Name: secret.name, SecretString: value }),
      );
      const secretArn = created.ARN ?? arn('secretsmanager', `secret:${secret.name}`);
      physical.set(secret.logicalId, { ref: secretArn, attributes: { Id: secretArn } });
    }),
  ]);
  // Queue attributes that refer to other queues (a redrive policy) need their ARNs: set them now.
  await Promise.all(
    model.queues.map(async (queue) => {
      const redrive = queue.properties.RedrivePolicy;
      const url = queueUrls.get(queue.logicalId);
      if (redrive === undefined || url === undefined) return;
      const resolved = resolveValue(redrive, physical, model.stackName);
      await clients.sqs
        .send(
          new SetQueueAttributesCommand({
            QueueUrl: url,
            Attributes: { RedrivePolicy: typeof resolved === 'string' ? resolved : JSON.stringify(resolved) },
          }),
        )
        .catch(() => notes.push(`The redrive policy of queue ${queue.displayName} is not imitated.`));
    }),
  );

  const functions = new Map(model.functions.map((fn) => [fn.logicalId, fn]));
  const rules: LocalRule[] = [];
  for (const rule of model.rules) {
    const local = await createRule(model, rule, physical, functions, clients, notes);
    if (local !== undefined) rules.push(local);
  }

  const receivers = model.urls.flatMap((url): LocalReceiver[] => {
    const fn = functions.get(url.functionLogicalId);
    if (fn === undefined) return [];
    if (url.authType !== 'NONE') {
      notes.push(
        `The function URL of ${fn.displayName} uses ${url.authType}; the local URL does not check SigV4.`,
      );
    }
    const provider =
      typeof fn.environment.WEBHOOK_PROVIDER === 'string' ? fn.environment.WEBHOOK_PROVIDER : fn.name;
    return [{ stackName: model.stackName, fn, provider, authType: url.authType }];
  });

  return {
    model,
    physical,
    rules,
    receivers,
    functions,
    invokeConfigs: new Map(model.invokeConfigs.map((config) => [config.functionLogicalId, config])),
    queueUrls,
    notes,
  };
}

async function createTable(
  client: DynamoDBClient,
  name: string,
  p: Readonly<Record<string, unknown>>,
): Promise<string> {
  const provisioned = p.BillingMode !== 'PAY_PER_REQUEST';
  const throughput = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };
  const indexes = (list: unknown) =>
    Array.isArray(list)
      ? (list as Record<string, unknown>[]).map((index) => ({
          IndexName: String(index.IndexName),
          KeySchema: index.KeySchema as CreateTableCommandInput['KeySchema'],
          Projection: index.Projection as Record<string, never>,
          ...(provisioned ? { ProvisionedThroughput: throughput } : {}),
        }))
      : undefined;
  const created = await client.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: p.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
      KeySchema: p.KeySchema as CreateTableCommandInput['KeySchema'],
      BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
      ...(provisioned ? { ProvisionedThroughput: throughput } : {}),
      GlobalSecondaryIndexes: indexes(p.GlobalSecondaryIndexes),
      LocalSecondaryIndexes: indexes(p.LocalSecondaryIndexes)?.map(
        ({ ProvisionedThroughput: _, ...rest }) => rest,
      ),
    }),
  );
  const ttl = p.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
  if (ttl?.AttributeName !== undefined && ttl.Enabled !== false) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
      }),
    );
  }
  return (
    created.TableDescription?.TableArn ?? `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${name}`
  );
}

async function createQueue(
  sqs: SQSClient,
  name: string,
  p: Readonly<Record<string, unknown>>,
): Promise<{ url: string; queueArn: string }> {
  const attributes: Record<string, string> = {};
  for (const key of [
    'FifoQueue',
    'ContentBasedDeduplication',
    'VisibilityTimeout',
    'MessageRetentionPeriod',
    'DelaySeconds',
  ]) {
    const value = p[key];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      attributes[key] = String(value);
  }
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (QueueUrl === undefined) throw new Error(`moto created queue ${name} without a URL.`);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = Attributes?.QueueArn;
  if (queueArn === undefined) throw new Error(`moto returned no ARN for queue ${QueueUrl}.`);
  return { url: QueueUrl, queueArn };
}

/** What CloudFormation would store: the literal string, or a generated one. */
function secretValue(p: Readonly<Record<string, unknown>>): string {
  if (typeof p.SecretString === 'string') return p.SecretString;
  const generate = p.GenerateSecretString as
    | { SecretStringTemplate?: string; GenerateStringKey?: string; PasswordLength?: number }
    | undefined;
  const random = randomBytes(24)
    .toString('base64url')
    .slice(0, generate?.PasswordLength ?? 32);
  if (generate?.SecretStringTemplate !== undefined && generate.GenerateStringKey !== undefined) {
    const base = JSON.parse(generate.SecretStringTemplate) as Record<string, unknown>;
    return JSON.stringify({ ...base, [generate.GenerateStringKey]: random });
  }
  return random;
}

function busNameOf(value: unknown): string {
  if (value === undefined) return 'default';
  const text = String(value);
  const arnName = /:event-bus\/(.+)$/.exec(text)?.[1];
  return arnName ?? text;
}

const tapName = (stackName: string, ruleId: string): string =>
  `local-tap-${stackName}-${ruleId}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80);

async function createRule(
  model: StackModel,
  rule: RuleSpec,
  physical: PhysicalResources,
  functions: ReadonlyMap<string, FunctionSpec>,
  clients: EmulatorClients,
  notes: string[],
): Promise<LocalRule | undefined> {
  if (rule.eventPattern === undefined) {
    notes.push(
      `Rule ${rule.displayName} runs on a schedule (${rule.scheduleExpression ?? 'no pattern'}); the local stack does not run schedules.`,
    );
    return undefined;
  }
  const busName = busNameOf(resolveValue(rule.eventBus, physical, model.stackName));
  if (busName !== 'default' && !model.buses.some((bus) => bus.name === busName)) {
    // A bus the app imports by name: make it exist locally too.
    await clients.eventBridge.send(new CreateEventBusCommand({ Name: busName })).catch(() => undefined);
  }
  const pattern = resolveValue(rule.eventPattern, physical, model.stackName);
  await clients.eventBridge.send(
    new PutRuleCommand({
      Name: rule.name,
      EventBusName: busName,
      EventPattern: typeof pattern === 'string' ? pattern : JSON.stringify(pattern),
      State: rule.enabled ? 'ENABLED' : 'DISABLED',
    }),
  );

  const targets: LocalTarget[] = [];
  const moto: { Id: string; Arn: string }[] = [];
  for (const target of rule.targets) {
    const resource = target.resourceId === undefined ? undefined : model.resources[target.resourceId];
    const fn = target.resourceId === undefined ? undefined : functions.get(target.resourceId);
    if (fn !== undefined) {
      targets.push({ kind: 'function', target, fn });
    } else if (resource?.Type === 'AWS::SQS::Queue' && target.resourceId !== undefined) {
      // moto delivers to queues itself.
      moto.push({ Id: target.id, Arn: String(resolveValue(target.arn, physical, model.stackName)) });
      const queue = model.queues.find((q) => q.logicalId === target.resourceId);
      targets.push({ kind: 'queue', target, queueName: queue?.displayName ?? target.resourceId });
    } else {
      const description = resource?.Type ?? String(resolveValue(target.arn, physical, model.stackName));
      targets.push({ kind: 'other', target, description });
      notes.push(
        `Rule ${rule.displayName} targets ${description}, which the local stack does not deliver to (its matches are still logged).`,
      );
    }
  }
  const { url: tapQueueUrl, queueArn: tapArn } = await createQueue(
    clients.sqs,
    tapName(model.stackName, rule.logicalId),
    {},
  );
  const put = await clients.eventBridge.send(
    new PutTargetsCommand({
      Rule: rule.name,
      EventBusName: busName,
      Targets: [...moto, { Id: 'local-dev-tap', Arn: tapArn }],
    }),
  );
  if ((put.FailedEntryCount ?? 0) > 0) {
    throw new Error(
      `moto refused the targets of rule ${rule.displayName}: ${JSON.stringify(put.FailedEntries)}`,
    );
  }
  return { stackName: model.stackName, spec: rule, busName, tapQueueUrl, targets };
}
