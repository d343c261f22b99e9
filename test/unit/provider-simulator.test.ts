import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { simulateProvider } from '../simulator/provider-simulator.js';

const servers: Server[] = [];

/** A receiver that answers every request with `status()`, counting them. */
async function receiver(status: () => number): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((request, response) => {
    requests++;
    request.resume();
    request.on('end', () => response.writeHead(status()).end());
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, requests: () => requests };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

const events = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ id: `e${i}`, type: 't' }));

describe('provider simulator: the give-up rule', () => {
  it('disables the webhook after a delivery fails its last retry, and then delivers nothing more', async () => {
    const target = await receiver(() => 503);
    let enabled = true;
    let requestsWhenDisabled = -1;

    const report = await simulateProvider({
      url: target.url,
      secret: 's',
      events: events(5),
      duplicateRate: 0,
      concurrency: 1,
      timeScale: 1e-7,
      webhook: {
        isEnabled: () => enabled,
        disable: () => {
          enabled = false;
          requestsWhenDisabled = target.requests();
        },
      },
    });

    expect(report.disabledWebhook).toBe(true);
    expect(enabled).toBe(false);
    expect(report.gaveUp).toBeGreaterThanOrEqual(1);
    expect(report.gaveUp + report.dropped).toBe(5);
    // Not one request after the webhook was disabled.
    expect(target.requests()).toBe(requestsWhenDisabled);
  });

  it('drops everything while the webhook is disabled and never redelivers it', async () => {
    const target = await receiver(() => 200);

    const report = await simulateProvider({
      url: target.url,
      secret: 's',
      events: events(3),
      duplicateRate: 0,
      webhook: { isEnabled: () => false, disable: () => {} },
    });

    expect(report).toMatchObject({ dropped: 3, attempts: 0, gaveUp: 0, disabledWebhook: false });
    expect(target.requests()).toBe(0);
  });

  it('keeps the webhook enabled when deliveries succeed after retries', async () => {
    let calls = 0;
    const target = await receiver(() => (++calls % 3 === 0 ? 200 : 503));
    let enabled = true;

    const report = await simulateProvider({
      url: target.url,
      secret: 's',
      events: events(4),
      duplicateRate: 0,
      concurrency: 1,
      timeScale: 1e-7,
      webhook: { isEnabled: () => enabled, disable: () => (enabled = false) },
    });

    expect(report).toMatchObject({ gaveUp: 0, dropped: 0, disabledWebhook: false });
    expect(enabled).toBe(true);
  });
});
