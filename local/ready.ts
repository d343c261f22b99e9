/** The "Local stack ready" banner (or JSON record): what runs where, and how to send to it. */
import { formatDuration, type Paint } from '../cli/kit/terminal.js';
import type { RunningEmulator } from './emulators.js';
import type { RunningInspector } from './inspector/server.js';
import type { LiveRecord } from './live-log.js';
import type { EmulatorEndpoints } from './local-functions.js';
import type { ProvisionedStack } from './provision.js';
import type { ServedReceiver } from './receiver-server.js';
import type { DevOptions } from './run.js';
import { DEFAULT_STATE_DIR, secretFile } from './state.js';
import { resolveValue } from './template.js';

/** The record the live log prints once everything runs: lines for people, data for `--json`. */
export function readyRecord(
  stacks: readonly ProvisionedStack[],
  servers: readonly ServedReceiver[],
  inspector: RunningInspector,
  emulators: readonly RunningEmulator[],
  endpoints: EmulatorEndpoints,
  options: DevOptions,
  startupMs: number,
  colour: Paint,
): LiveRecord {
  const rules = stacks.flatMap((stack) =>
    stack.rules.map((rule) => ({
      rule: rule.spec.displayName,
      bus: rule.busName,
      pattern: resolveValue(rule.spec.eventPattern, stack.physical, stack.model.stackName),
      targets: rule.targets.map((t) =>
        t.kind === 'function'
          ? `${t.fn.displayName} (Lambda)`
          : t.kind === 'queue'
            ? `${t.queueName} (SQS)`
            : `${t.description} (not delivered locally)`,
      ),
    })),
  );
  const tables = stacks.flatMap((stack) =>
    stack.model.tables.map((table) => {
      const keys =
        (table.properties.KeySchema as { AttributeName?: string; KeyType?: string }[] | undefined) ?? [];
      const ttl = (table.properties.TimeToLiveSpecification as { AttributeName?: string } | undefined)
        ?.AttributeName;
      return `${table.displayName} (${keys.map((k) => `${k.KeyType === 'RANGE' ? 'sort' : 'partition'} key ${k.AttributeName}`).join(', ')}${ttl === undefined ? '' : `, TTL on ${ttl}`})`;
    }),
  );
  const defaultDir = options.stateDir === DEFAULT_STATE_DIR;
  const sendCommand = (provider: string, url: string): string => {
    const example = provider === 'complycube' ? 'check.completed.clear' : '--all';
    const extra = provider === 'complycube' ? '' : ` --provider ${provider}`;
    return defaultDir
      ? `npx complycube-webhooks send ${example}${extra}`
      : `WEBHOOK_SECRET="$(cat ${secretFile(options.stateDir)})" npx complycube-webhooks send ${example}${extra} --url ${url}`;
  };
  const lines = [
    '',
    colour.bold('Local stack ready') + colour.dim(` in ${formatDuration(startupMs)}`),
    '',
    ...servers.map(
      ({ receiver, server }) =>
        `  ${colour.bold(receiver.provider.padEnd(12))} ${colour.cyan(server.url)}  ${colour.dim(`(${receiver.fn.displayName})`)}`,
    ),
    `  ${colour.bold('inspector'.padEnd(12))} ${colour.cyan(inspector.url)}  ${colour.dim('(every delivery, live, in your browser)')}`,
    colour.dim(`  secret       ${secretFile(options.stateDir)} (local only; in the local Secrets Manager)`),
    colour.dim(
      endpoints.dynamodb === endpoints.moto
        ? `  emulators    moto ${endpoints.moto} (DynamoDB too: no Java 17 for DynamoDB Local)`
        : `  emulators    DynamoDB Local ${endpoints.dynamodb} · moto ${endpoints.moto}`,
    ),
    ...tables.map((t) => colour.dim(`  table        ${t}`)),
    ...rules.map(
      (r) =>
        `  ${colour.dim('rule')}         ${r.rule} ${colour.dim(JSON.stringify(r.pattern))} → ${r.targets.join(', ') || colour.dim('no targets')}`,
    ),
    ...stacks.flatMap((s) => s.notes).map((n) => colour.yellow(`  ! ${n}`)),
    '',
    '  Send a signed test event from another terminal:',
    ...servers.map(
      ({ receiver, server }) => `    ${colour.bold(sendCommand(receiver.provider, server.url))}`,
    ),
    '',
    colour.dim('  Ctrl-C stops everything.'),
    '',
  ];
  return {
    kind: 'ready',
    lines,
    data: {
      pid: process.pid,
      startupMs: Math.round(startupMs),
      receivers: servers.map(({ receiver, server }) => ({
        provider: receiver.provider,
        url: server.url,
        function: receiver.fn.displayName,
      })),
      inspector: inspector.url,
      emulators: endpoints,
      dynamodbServer: endpoints.dynamodb === endpoints.moto ? 'moto' : 'DynamoDB Local',
      processGroups: emulators.flatMap((e) => e.processGroups),
      rules,
      stateDir: options.stateDir,
    },
  };
}
