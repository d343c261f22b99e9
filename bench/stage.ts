/**
 * The loopback AWS the bench runs against: DynamoDB Local and moto, started with the same module as
 * the integration tests and the local stack (`local/emulators.ts`), or given on the command line; a
 * fresh table, bus and secret on them; and the environment a receiver process gets, shaped like a
 * Lambda sandbox's.
 */

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ENV } from '../contract/env.js';
import { LEDGER_ATTRIBUTES } from '../contract/ledger.js';
import { Providers } from '../contract/providers.js';
import { type RunningEmulator, requireTools, startDynamoDbLocal, startMoto } from '../local/emulators.js';
import type { WatchedProcess } from './workers/serve.js';

const REGION = 'us-east-1';
/** Letters only: DynamoDB Local refuses other characters in an access key. */
const CREDENTIALS = { accessKeyId: 'benchmark', secretAccessKey: 'benchmark' } as const;

export interface Stage {
  readonly dynamodbEndpoint: string;
  readonly motoEndpoint: string;
  /** The webhook secret stored in Secrets Manager. */
  readonly secret: string;
  /** The whole environment of a receiver process: nothing else is inherited. */
  readonly receiverEnv: Readonly<Record<string, string>>;
  /** The emulator processes, when the bench started them (their CPU is sampled under load). */
  readonly emulatorProcesses: readonly WatchedProcess[];
  /** Stops what the bench started and removes its scratch home. Idempotent. */
  close(): Promise<void>;
}

export interface StageOptions {
  readonly dynamodbEndpoint: string | undefined;
  readonly motoEndpoint: string | undefined;
  /** Told what is happening, for the console. */
  readonly progress: (message: string) => void;
}

/**
 * Starts (or takes) the emulators and creates the receiver's resources on them.
 *
 * @example
 * const stage = await openStage({ dynamodbEndpoint: undefined, motoEndpoint: undefined, progress: console.log });
 * try { … } finally { await stage.close(); }
 */
export async function openStage(options: StageOptions): Promise<Stage> {
  const started: RunningEmulator[] = [];
  const home = mkdtempSync(join(tmpdir(), 'receiver-bench-home-'));
  const close = async (): Promise<void> => {
    const stopping = started.splice(0);
    await Promise.all(stopping.map((emulator) => emulator.stop()));
    rmSync(home, { recursive: true, force: true });
  };
  try {
    let { dynamodbEndpoint, motoEndpoint } = options;
    const emulatorProcesses: WatchedProcess[] = [];
    if (dynamodbEndpoint === undefined || motoEndpoint === undefined) {
      await requireTools({
        needer: 'The bench (npm run bench)',
        consequence: 'It measures against local emulators: install the tools and run again.',
      });
      options.progress('starting DynamoDB Local and moto…');
      const [dynamodb, moto] = await Promise.allSettled([startDynamoDbLocal(), startMoto()]);
      for (const result of [dynamodb, moto]) if (result.status === 'fulfilled') started.push(result.value);
      if (dynamodb.status === 'rejected') throw dynamodb.reason;
      if (moto.status === 'rejected') throw moto.reason;
      dynamodbEndpoint = dynamodb.value.endpoint;
      motoEndpoint = moto.value.endpoint;
      // Each was spawned detached, so its process group id is the emulator's own pid.
      for (const [name, emulator] of [
        ['DynamoDB Local', dynamodb.value],
        ['moto', moto.value],
      ] as const) {
        const pid = emulator.processGroups[0];
        if (pid !== undefined) emulatorProcesses.push({ name, pid });
      }
    }
    const name = `bench-${randomBytes(6).toString('hex')}`;
    const secret = `whsec_bench_${randomBytes(16).toString('hex')}`;
    const resources = await createResources(dynamodbEndpoint, motoEndpoint, name, secret);
    return {
      dynamodbEndpoint,
      motoEndpoint,
      secret,
      receiverEnv: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        // An empty home, as in a Lambda sandbox: no ~/.aws files are found (nor the developer's).
        HOME: home,
        AWS_REGION: REGION,
        AWS_DEFAULT_REGION: REGION,
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
        AWS_ENDPOINT_URL_EVENTBRIDGE: motoEndpoint,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: motoEndpoint,
        // Lambda runs Node 24, where the SDK has no end-of-support warning to print on load.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        AWS_LAMBDA_FUNCTION_NAME: 'receiver-bench',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
        [ENV.provider]: Providers.COMPLYCUBE.name,
        [ENV.eventBusName]: resources.eventBusName,
        [ENV.tableName]: resources.tableName,
        [ENV.secretArn]: resources.secretArn,
      },
      emulatorProcesses,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

interface Resources {
  readonly tableName: string;
  readonly eventBusName: string;
  readonly secretArn: string;
}

/** The table, bus and secret the construct would create, on the emulators. */
async function createResources(
  dynamodbEndpoint: string,
  motoEndpoint: string,
  name: string,
  secret: string,
): Promise<Resources> {
  const base = { region: REGION, credentials: CREDENTIALS, maxAttempts: 3 } as const;
  const dynamodb = new DynamoDBClient({ ...base, endpoint: dynamodbEndpoint });
  const eventBridge = new EventBridgeClient({ ...base, endpoint: motoEndpoint });
  const secretsManager = new SecretsManagerClient({ ...base, endpoint: motoEndpoint });
  try {
    const [, bus, stored] = await Promise.all([
      dynamodb
        .send(
          new CreateTableCommand({
            TableName: name,
            AttributeDefinitions: [{ AttributeName: LEDGER_ATTRIBUTES.partitionKey, AttributeType: 'S' }],
            KeySchema: [{ AttributeName: LEDGER_ATTRIBUTES.partitionKey, KeyType: 'HASH' }],
            BillingMode: 'PAY_PER_REQUEST',
          }),
        )
        .then(() =>
          waitUntilTableExists(
            { client: dynamodb, maxWaitTime: 30, minDelay: 1, maxDelay: 1 },
            { TableName: name },
          ),
        ),
      eventBridge.send(new CreateEventBusCommand({ Name: name })),
      secretsManager.send(new CreateSecretCommand({ Name: name, SecretString: secret })),
    ]);
    if (bus.EventBusArn === undefined || stored.ARN === undefined) {
      throw new Error(`moto created the bus or the secret ${name} without an ARN.`);
    }
    // The ARN, as the stack sets it.
    return { tableName: name, eventBusName: bus.EventBusArn, secretArn: stored.ARN };
  } catch (error) {
    throw new Error(
      `Could not create the bench's table, bus and secret on ${dynamodbEndpoint} and ${motoEndpoint}.`,
      { cause: error },
    );
  } finally {
    dynamodb.destroy();
    eventBridge.destroy();
    secretsManager.destroy();
  }
}
