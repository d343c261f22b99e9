/**
 * `complycube-webhooks connect`: registers the receiver's webhook in ComplyCube (or brings it in
 * line), and stores the secret ComplyCube issues in the receiver's webhook secret. What the
 * `connect` custom resource does at deploy time, for stacks without it and for the local stack.
 */
import { runConnectCommand } from './connect/run.js';
import type { CommandModule } from './registry.js';

export const CONNECT_HELP = `Connect the receiver to ComplyCube: find its webhook (by the id connect stored, else by URL),
create it when absent, set its events to exactly what the subscriptions need and enabled: true,
and write the secret ComplyCube shows at creation into the receiver's webhook secret.

Usage
  npx complycube-webhooks connect                               the local stack (npm run dev -- --complycube-api local)
  npx complycube-webhooks connect --stack <name> [--region <r>]  a deployed stack, from its outputs
  npx complycube-webhooks connect --url <function url> --secret-id <secret> --events <types>

Options
  --stack <name>              A deployed stack: reads WebhookUrl, WebhookSecretArn and the event list
                              (ComplyCubeWebhookEvents, else PortalEventTypes) from its outputs.
  --url <url>                 The receiver's function URL (with --secret-id).
  --secret-id <name or ARN>   The receiver's webhook secret.
  --events <types>            Event types, comma-separated, or '*' for every type. Default: the stack's.
  --api-key-secret-id <id>    The secret holding the ComplyCube API key. Default: COMPLYCUBE_API_KEY,
                              else the stack's ComplyCubeApiKeySecretArn output. The key is never an argument.
  --region <region>           Default: AWS_REGION or your profile's.
  --json                      One JSON object per line (for scripts).
  -h, --help                  This help.

COMPLYCUBE_API_URL overrides the API's base URL (https, or http on loopback only).
A re-created webhook keeps the old secret verifying beside the new one ({"current": old, "next": new}).
No secret or key is ever printed.

Exit codes: 0 connected (or already as expected) · 1 failed (the message says what to fix) ·
2 bad arguments · 3 not connected: the API key is not set yet, or no subscription needs an event.

Examples
  npm run dev -- --complycube-api local      # in one terminal
  npx complycube-webhooks connect            # in another: against the local emulator
  read -rs COMPLYCUBE_API_KEY && export COMPLYCUBE_API_KEY
  npx complycube-webhooks connect --stack ComplyCubeWebhooks --region eu-west-2
  npx complycube-webhooks connect --url https://abc.lambda-url.eu-west-2.on.aws/ \\
    --secret-id complycube-webhook-secret --events check.completed,client.created --json
`;

export const connectCommand: CommandModule = {
  help: CONNECT_HELP,
  run: (argv, io) => runConnectCommand('connect', argv, io, CONNECT_HELP),
};
