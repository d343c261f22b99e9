/**
 * The inspector's section for the ComplyCube API emulator (`npm run dev -- --complycube-api local`):
 * the webhooks registered in it (enabled or disabled, where they point, which events) and the list
 * reads a catch-up makes. Never a webhook's secret.
 */
import type { ComplyCubeApiEmulator } from '../complycube-api-emulator/emulator.js';
import type { InspectorPanel, PanelContent } from './server.js';

/** The list endpoints a catch-up reads to find what a webhook missed (paths as the emulator records them). */
const LIST_READ = /^\/(checks|clients|documents|addresses|workflowSessions|auditLogs)$/;

/**
 * @example
 * startInspector({ …, panels: [complyCubeWebhookPanel(api)] });
 */
export function complyCubeWebhookPanel(api: Pick<ComplyCubeApiEmulator, 'url' | 'state'>): InspectorPanel {
  return {
    id: 'complycube-webhook',
    title: 'ComplyCube webhook (API emulator)',
    read: async (): Promise<PanelContent> => {
      const { webhooks, requests } = api.state;
      const rows: { label: string; value: string }[] = [{ label: 'API', value: api.url }];
      for (const webhook of webhooks) {
        rows.push({
          label: `Webhook ${webhook.id}`,
          value: `${webhook.enabled ? 'enabled' : 'disabled (as ComplyCube does after the last failed retry)'} · ${webhook.url} · events ${webhook.events.join(', ')}`,
        });
      }
      const reads = requests.filter((r) => r.method === 'GET' && LIST_READ.test(r.path));
      const last = reads.at(-1);
      rows.push({
        label: 'Catch-up reads',
        value:
          last === undefined
            ? 'none yet'
            : `${reads.length} list request${reads.length === 1 ? '' : 's'}; last ${new Date(last.at).toISOString()} GET ${last.path} → ${last.status}`,
      });
      return webhooks.length === 0
        ? { rows, note: 'No webhook registered yet: run `npx complycube-webhooks connect`.' }
        : { rows };
    },
  };
}
