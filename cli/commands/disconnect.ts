/**
 * `complycube-webhooks disconnect`: deletes the receiver's webhook in ComplyCube.
 */
import { runConnectCommand } from './connect/run.js';
import type { CommandModule } from './registry.js';

export const DISCONNECT_HELP = `Delete the receiver's webhook in ComplyCube: the one connect stored the id of, and any other
webhook delivering to the receiver's URL (or only the one --webhook-id names). ComplyCube delivers
nothing to the receiver afterwards; its webhook secret stays as it is.

Usage
  npx complycube-webhooks disconnect                             the local stack
  npx complycube-webhooks disconnect --stack <name>              a deployed stack
  npx complycube-webhooks disconnect --url <function url>        every webhook delivering there
  npx complycube-webhooks disconnect --webhook-id <id>           exactly that webhook

Options
  --webhook-id <id>           Delete this webhook only.
  --stack, --url, --secret-id, --api-key-secret-id, --region, --json: as for connect.
  -h, --help                  This help.

Exit codes: 0 deleted, or there was nothing to delete · 1 failed · 2 bad arguments ·
3 nothing done: the API key is not set yet.

Examples
  npx complycube-webhooks disconnect --stack ComplyCubeWebhooks
  npx complycube-webhooks disconnect --webhook-id 5ed170fe99c81a0007b9a3d3 --api-key-secret-id complycube-api-key
`;

export const disconnectCommand: CommandModule = {
  help: DISCONNECT_HELP,
  run: (argv, io) => runConnectCommand('disconnect', argv, io, DISCONNECT_HELP),
};
