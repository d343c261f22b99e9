/**
 * `complycube-webhooks status`: the receiver's webhook as ComplyCube sees it, next to what the
 * stack expects. Changes nothing.
 */
import { runConnectCommand } from './connect/run.js';
import type { CommandModule } from './registry.js';

export const STATUS_HELP = `Compare the receiver's webhook in ComplyCube with what the stack expects: its URL, whether it is
enabled, event types missing or extra, and whether the webhook secret is set (never its value); and
when the receiver last accepted a delivery (--stack: its CloudWatch metrics, 14 days; local: its
ledger). Changes nothing.

Usage
  npx complycube-webhooks status                                the local stack
  npx complycube-webhooks status --stack <name> [--region <r>]   a deployed stack
  npx complycube-webhooks status --url <function url> --secret-id <secret> --events <types>

Options
  --stack, --url, --secret-id, --events, --api-key-secret-id, --region: as for connect.
  --json                      One JSON object (for scripts and monitoring).
  -h, --help                  This help.

Exit codes: 0 all as expected · 1 something differs (each problem says what to do) or a failure ·
2 bad arguments · 3 cannot tell: the API key is not set yet.

Examples
  npx complycube-webhooks status
  npx complycube-webhooks status --stack ComplyCubeWebhooks --json
  COMPLYCUBE_API_KEY=… is read from the environment: read -rs COMPLYCUBE_API_KEY && export COMPLYCUBE_API_KEY
`;

export const statusCommand: CommandModule = {
  help: STATUS_HELP,
  run: (argv, io) => runConnectCommand('status', argv, io, STATUS_HELP),
};
