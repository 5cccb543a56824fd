import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent } from '../../server/store/repository.js';
import { createStore } from '../../server/store/store.js';
import { gqlOk } from '../support/http.js';
import { type ServerProcess, spawnServer } from '../support/process.js';
import { freePort } from '../support/free-port.js';

// The dashboard as people use it: Debian's Chromium, two users of the demo organization, a server restart.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('web dashboard in a real browser', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let server: ServerProcess;
  let browser: Browser;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-web-'));
    env = { DATA_DIR: dataDir, PORT: String(await freePort()) };
    server = await spawnServer(env);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    if (server?.proc.exitCode === null) await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function signIn(name: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.on('console', (m) => {
      // The socket's own complaint while the server restarts is expected; anything else is a bug.
      if (
        m.type() === 'error' &&
        !/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED|Failed to load resource/.test(m.text())
      )
        consoleErrors.push(`${name}: ${m.text()}`);
    });
    await page.goto(server.url);
    await page.getByRole('button', { name: new RegExp(`^${name}`) }).click();
    await page.locator('[data-testid=connection][data-state=live]').waitFor();
    return page;
  }

  const rows = (page: Page) => page.locator('[data-testid=events] li[data-sequence]');

  it('moves events, presence, typing and notifications between two people, and survives a restart', async () => {
    const alice = await signIn('Alice Demo');
    const bob = await signIn('Bob Demo', { width: 390, height: 844 }); // a phone
    await expect
      .poll(() => bob.locator('[data-testid=presence]').innerText())
      .toMatch(/Alice Demo[\s\S]*Bob Demo|Bob Demo[\s\S]*Alice Demo/);
    await expect.poll(() => alice.locator('[data-testid=presence]').innerText()).toContain('Bob Demo');

    // Alice publishes from the form; the row appears in Bob's feed.
    await alice.getByLabel('Subject', { exact: true }).fill('prop-42');
    await alice.getByLabel('Payload').fill('{"price": 455000}');
    await alice.getByRole('button', { name: 'Publish' }).click();
    await bob.locator('[data-testid=events] li', { hasText: '455000' }).waitFor();
    // Its typed price (Event.data), on a server with only the built-in catalog too.
    await bob.locator('[data-testid=listing]', { hasText: '455,000' }).waitFor();
    // Bob narrows his feed to another subject: the row goes; cleared, it is back (from the history).
    await bob.getByLabel('Subject filter').fill('prop-7');
    await expect.poll(() => bob.locator('[data-testid=events] li', { hasText: '455000' }).count()).toBe(0);
    await bob.getByLabel('Subject filter').fill('');
    await bob.locator('[data-testid=events] li', { hasText: '455000' }).waitFor();
    // The badge names the transport of the session (graphql-ws unless chosen otherwise at sign-in).
    expect(await bob.getByTestId('connection').innerText()).toContain('graphql-ws');

    // Alice types; Bob sees it.
    await alice.getByLabel('Message').fill('Offer looks good');
    await expect.poll(() => bob.locator('[data-testid=typing]').innerText()).toContain('Alice Demo is typing');

    // A notification for Bob raises his unread count.
    const aliceToken = await alice.evaluate(
      () => JSON.parse(localStorage.getItem('switchboard.session') ?? '{}').token as string,
    );
    await gqlOk(
      `${server.url}/graphql`,
      'mutation { sendNotification(input: { orgId: "org_demo", userIds: ["bob"], title: "Viewing booked" }) { id } }',
      {},
      aliceToken,
    );
    await expect.poll(() => bob.locator('[data-testid=unread]').innerText()).toBe('1');
    // On Bob's phone the panel opens on screen, and "Mark all read" can be tapped.
    await bob.getByRole('button', { name: 'Notifications' }).click();
    const markAll = bob.getByRole('button', { name: 'Mark all read' });
    const box = await bob.locator('.dropdown').boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 390).toBe(true);
    await markAll.click();
    await expect.poll(() => bob.locator('[data-testid=unread]').innerText()).toBe('0');
    await bob.getByRole('button', { name: 'Notifications' }).click();

    // The server restarts; meanwhile an event reaches the log. Bob's feed catches up, without duplicates.
    const before = await rows(bob).count();
    expect(await server.stop()).toBe(0);
    const store = await createStore({ dataDir });
    await store.transaction((tx) =>
      appendEvent(tx, {
        orgId: 'org_demo',
        channel: 'property',
        type: 'property.update',
        subjectId: 'prop-7',
        payload: { price: 999001 },
        actor: { id: 'crm', name: 'CRM', isService: true },
      }),
    );
    await store.close();
    await bob.locator('[data-testid=connection][data-state=reconnecting]').waitFor();
    server = await spawnServer(env);
    await bob.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: 20_000 });
    await gqlOk(
      `${server.url}/graphql`,
      'mutation { publishEvent(input: { orgId: "org_demo", channel: "property", type: "property.update", payload: { price: 999002 } }) { id } }',
      {},
      aliceToken,
    );
    await bob.locator('[data-testid=events] li', { hasText: '999001' }).waitFor();
    await bob.locator('[data-testid=events] li', { hasText: '999002' }).waitFor();
    const sequences = await rows(bob).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-sequence'))));
    expect(new Set(sequences).size).toBe(sequences.length);
    expect(sequences.length).toBe(before + 2);

    // Alice's page reconnects on its own schedule: the picture in the docs shows it live, with the new rows.
    await alice.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: 20_000 });
    await alice.locator('[data-testid=events] li', { hasText: '999002' }).waitFor();
    await alice.screenshot({
      path: process.env.UPDATE_SCREENSHOT ? 'docs/dashboard.png' : join(dataDir, 'dashboard.png'),
      fullPage: true,
    });
    expect(consoleErrors).toEqual([]);
  }, 90_000);
});
