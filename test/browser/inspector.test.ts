/**
 * The inspector page in a real browser (the system's Chromium, headless), against the whole local
 * stack: `complycube-webhooks dev` with its emulators, the bundled receiver and the example
 * subscriber. Each flow saves a screenshot to test-results/inspector/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { DEV_STARTUP_MS, type DevStackProcess, startDevStack } from '../support/dev-stack-process.js';

const SHOTS = fileURLToPath(new URL('../../test-results/inspector/', import.meta.url));
/** How long the page may take to show what the stack did (a first invocation starts cold). */
const SHOWN_MS = 30_000;

let stack: DevStackProcess;
let browser: Browser;
let page: Page;
let inspectorUrl: string;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // The browser first: without Chromium, fail at once and say how to install it.
  browser = await launchChromium();
  stack = await startDevStack({ args: ['--time-scale', '0.001', '--complycube-api', 'local'] });
  inspectorUrl = String(stack.ready().inspector);
}, DEV_STARTUP_MS + 30_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

beforeEach(async () => {
  page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(inspectorUrl);
  await expect.poll(() => page.locator('#connection').textContent(), { timeout: SHOWN_MS }).toBe('Live');
  expect(problems).toEqual([]);
});

afterEach(async () => {
  await page?.close();
});

/** Sends a fixture from the page's form and returns what the page says it got. */
async function sendFromPage(fixture: string, how: 'Once, signed' | 'Tampered' | 'Twice'): Promise<string> {
  await page.getByLabel('Fixture').selectOption(fixture);
  await page.getByLabel(how).check();
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const result = page.locator('#send-result');
  await expect.poll(() => result.textContent(), { timeout: SHOWN_MS }).toMatch(/^Sent /);
  return (await result.textContent()) ?? '';
}

/** The list's row for an event id, or for the selected delivery. */
function row(filter: { eventId?: string; selected?: true }): Locator {
  const rows = page.locator('#delivery-rows tr');
  if (filter.selected === true) return rows.and(page.locator('[aria-current="true"]'));
  return rows.filter({ hasText: filter.eventId ?? '' });
}

async function cells(locator: Locator): Promise<string[]> {
  return (await locator.locator('td').allTextContents()).map((text) => text.trim());
}

function detailSection(title: string | RegExp): Locator {
  return page.locator('#detail section.part').filter({ has: page.getByRole('heading', { name: title }) });
}

describe('the inspector page', () => {
  it('sends from the page: the row says 200 accepted, the detail shows the rule it matched and the subscriber run', async () => {
    expect(await sendFromPage('check.completed.clear', 'Once, signed')).toBe(
      'Sent check.completed.clear: 200 accepted.',
    );

    const selected = row({ selected: true });
    const [, status, verdict, type] = await cells(selected);
    expect([status, verdict, type]).toEqual(['200', 'accepted', 'check.completed.clear']);
    await expect
      .poll(() => detailSection('Subscriber runs').textContent(), { timeout: SHOWN_MS })
      .toContain('ExampleCheckCompleted via ComplyCube/OnCheckCompletedAll');
    expect(await detailSection('Rules matched').textContent()).toContain(
      'ComplyCube/OnCheckCompletedAll on ComplyCubeWebhooksComplyCubeBus',
    );
    const run = detailSection('Subscriber runs');
    expect(await run.locator('li p').first().textContent()).toMatch(/^ok · attempt 1 of 3 · .* · ran$/);
    // The subscriber's own log line, and the signature masked in the headers.
    expect(await run.locator('pre.log').textContent()).toContain('"message":"check completed"');
    const signature = page.locator('#detail table.headers tr', { hasText: 'complycube-signature' });
    expect(await signature.locator('td').textContent()).toBe('•••••••• (masked, 64 characters)');
    expect(await detailSection('Bus entry').textContent()).toContain(
      '"detail-type": "check.completed.clear"',
    );

    await page.screenshot({ path: `${SHOTS}send.png`, fullPage: true });
  });

  it('sends a tampered event: a 401 row, and nothing on the bus', async () => {
    expect(await sendFromPage('check.completed.attention', 'Tampered')).toBe(
      'Sent check.completed.attention: 401 forged.',
    );

    const [, status, verdict, type] = await cells(row({ selected: true }));
    expect([status, verdict, type]).toEqual(['401', 'forged', '(mismatch)']);
    await expect
      .poll(() => page.locator('#detail-heading').textContent(), { timeout: SHOWN_MS })
      .toBe('Delivery · 401 forged');
    expect(await detailSection('Rules matched').textContent()).toContain('Nothing was put on the bus.');
    expect(await detailSection('Bus entry').textContent()).toContain('Nothing was put on the bus');
    expect(await detailSection('Subscriber runs').textContent()).toContain('No subscriber function ran');
    const body = JSON.parse(
      (await detailSection(/^Request/)
        .locator('pre')
        .textContent()) ?? '{}',
    ) as {
      id?: string;
      tampered?: boolean;
    };
    expect(body.tampered).toBe(true);
    await page.screenshot({ path: `${SHOTS}tamper.png`, fullPage: true });

    // An authentic event of the same type afterwards reaches the subscriber; by then the router
    // has passed over anything the forged one could have put on the bus, and there is nothing.
    await sendFromPage('check.completed.attention', 'Once, signed');
    await expect
      .poll(() => detailSection('Subscriber runs').textContent(), { timeout: SHOWN_MS })
      .toContain('ExampleCheckCompleted via ComplyCube/OnCheckCompletedAll');
    const forgedId = body.id ?? '';
    expect(stack.of('delivery').filter((d) => d.eventId === forgedId)).toEqual([]);
    expect(stack.of('routing').filter((r) => r.eventId === forgedId)).toEqual([]);
    expect(await row({ eventId: forgedId }).count()).toBe(0);
  });

  it('resends a delivery from the keyboard: 200 duplicate, and the subscriber does not run again', async () => {
    const sent = await sendFromPage('check.completed.rejected', 'Once, signed');
    expect(sent).toBe('Sent check.completed.rejected: 200 accepted.');
    const [, , , , eventId] = await cells(row({ selected: true }));
    expect(eventId).toMatch(/^[0-9a-f]{24}$/);
    await expect
      .poll(() => detailSection('Subscriber runs').textContent(), { timeout: SHOWN_MS })
      .toContain('ExampleCheckCompleted via ComplyCube/OnCheckCompletedAll');

    // Keyboard only: open the accepted row, then press the resend button.
    await row({ eventId: eventId ?? '' })
      .getByRole('button')
      .press('Enter');
    await page.getByRole('button', { name: 'Resend this delivery' }).press('Enter');

    await expect
      .poll(() => page.locator('#resend-result').textContent(), { timeout: SHOWN_MS })
      .toBe('Resent: 200 duplicate.');
    await expect
      .poll(() => page.locator('#detail-heading').textContent(), { timeout: SHOWN_MS })
      .toBe('check.completed.rejected · 200 duplicate');
    const rows = row({ eventId: eventId ?? '' });
    await expect.poll(() => rows.count(), { timeout: SHOWN_MS }).toBe(2);
    const verdicts = await Promise.all([0, 1].map(async (i) => (await cells(rows.nth(i)))[2]));
    expect(verdicts).toEqual(['duplicate', 'accepted']);
    expect(await detailSection('Bus entry').textContent()).toContain('Nothing was put on the bus');
    expect(stack.of('delivery').filter((d) => d.eventId === eventId)).toHaveLength(1);

    await page.screenshot({ path: `${SHOTS}resend.png`, fullPage: true });
  });

  it('filters the list by event type and by verdict', async () => {
    await sendFromPage('address.created', 'Twice');
    await page.getByLabel('Event type', { exact: true }).selectOption('address.created');
    await page.getByLabel('Verdict', { exact: true }).selectOption('duplicate');

    const shown = page.locator('#delivery-rows tr');
    await expect.poll(() => shown.count(), { timeout: SHOWN_MS }).toBeGreaterThan(0);
    for (const text of await shown.allTextContents()) {
      expect(text).toContain('address.created');
      expect(text).toContain('duplicate');
    }
    expect(await page.locator('#count').textContent()).toMatch(/^\d+ of \d+ shown$/);
  });

  it('labels every control, and moves between rows with the arrow keys', async () => {
    await sendFromPage('client.updated', 'Twice');
    // Run in the page (this file is type-checked without the DOM library, hence a string).
    const unlabelled = await page.evaluate(`[...document.querySelectorAll('button, select, input, textarea')]
      .filter((element) => !((element.labels?.length ?? 0) > 0
        || (element.getAttribute('aria-label') ?? '') !== ''
        || (element.textContent ?? '').trim() !== ''))
      .map((element) => element.outerHTML)`);
    expect(unlabelled).toEqual([]);

    const buttons = page.locator('#delivery-rows button.open');
    await buttons.first().focus();
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate("document.activeElement?.getAttribute('data-id')")).toBe(
      await buttons.nth(1).getAttribute('data-id'),
    );
  });

  it('shows the webhook registered in the ComplyCube API emulator, without its secret', async () => {
    const panel = page.getByRole('region', { name: 'ComplyCube webhook (API emulator)' });
    await expect
      .poll(() => panel.textContent(), { timeout: SHOWN_MS })
      .toContain('No webhook registered yet');
    const { complyCubeApi } = JSON.parse(readFileSync(join(stack.stateDir, 'server.json'), 'utf8')) as {
      complyCubeApi: { url: string; apiKey: string };
    };
    const receiverUrl = (stack.ready().receivers as { url: string }[])[0]?.url ?? '';
    const created = (await (
      await fetch(`${complyCubeApi.url}/webhooks`, {
        method: 'POST',
        headers: { authorization: complyCubeApi.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ url: receiverUrl, events: ['*'], enabled: true }),
      })
    ).json()) as { id: string; secret: string };

    await expect
      .poll(() => panel.textContent(), { timeout: SHOWN_MS })
      .toContain(`Webhook ${created.id}enabled · ${receiverUrl} · events *`);
    expect(await page.content()).not.toContain(created.secret);
    await page.screenshot({ path: `${SHOTS}complycube-panel.png`, fullPage: true });
  });
});
