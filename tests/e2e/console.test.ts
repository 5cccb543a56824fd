import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, refusal } from '../support/clients.js';
import { SUBSCRIBE_EVENTS, createOrg, publish } from '../support/fixtures.js';
import { gqlOk } from '../support/http.js';
import { ROOT } from '../support/process.js';
import { type TestServer, startServer, token, uniquePrefix } from '../support/server.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'];
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

// The operator console as an OWNER and an operator use it: Debian's Chromium against two instances sharing
// Redis and PostgreSQL, at desktop and phone widths, with an accessibility check of every section.
describe('operator console in Chromium, two instances', () => {
  let a: TestServer;
  let b: TestServer;
  let browser: Browser;
  let shots: string;
  const consoleErrors: string[] = [];
  /** docs/ when UPDATE_SCREENSHOT is set (how the pictures in the docs are made), else a temporary folder. */
  const shot = (name: string) => join(process.env.UPDATE_SCREENSHOT ? join(ROOT, 'docs') : shots, name);

  beforeAll(async () => {
    shots = mkdtempSync(join(tmpdir(), 'switchboard-console-'));
    const options = { redis: true, postgres: true, redisPrefix: uniquePrefix(), webDir: join(ROOT, 'web', 'dist') };
    [a, b] = [await startServer(options), await startServer(options)];
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    rmSync(shots, { recursive: true, force: true });
  });

  async function signIn(server: TestServer, jwt: string, orgId?: string, viewport = DESKTOP): Promise<Page> {
    const context = await browser.newContext({ viewport });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(err.message));
    page.on('response', (r) => {
      if (r.status() >= 400) consoleErrors.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(server.url);
    await page.getByLabel('Token').fill(jwt);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-testid=connection][data-state=live]').waitFor();
    if (orgId) await page.getByLabel('Organization', { exact: true }).selectOption(orgId);
    return page;
  }

  /** axe-core's WCAG 2 A/AA rules on what is on screen: no serious or critical violation. */
  async function expectAccessible(page: Page, where: string) {
    if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(o: object): Promise<{ violations: any[] }> } }).axe;
      const result = await axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } });
      return result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map(
          (v) =>
            `${v.id}: ${v.help} (${v.nodes.map((n: any) => `${n.target.join(' ')}: ${n.failureSummary}`).join(', ')})`,
        );
    });
    expect(violations, where).toEqual([]);
  }

  const section = (page: Page, name: string) =>
    page.getByRole('navigation', { name: 'Console sections' }).getByRole('button', { name }).click();

  it('shows live figures and subscribers of both instances, ends a session, manages members and keys', async () => {
    const org = await createOrg(a, 'alice', { bob: 'MEMBER' });
    const bobOnB = connect('ws', b, org.tokens.bob);
    const bobStream = bobOnB.subscribe(SUBSCRIBE_EVENTS, { orgId: org.id, channels: ['property'] });
    const page = await signIn(a, org.tokens.alice!, org.id);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Console' }).click();

    // Live figures: both instances answer; the charts are drawn and described.
    await page
      .getByRole('combobox', { name: 'Instance' })
      .locator('option', { hasText: 'All instances (2)' })
      .waitFor({ state: 'attached' });
    await expect.poll(() => page.locator('[data-testid=charts] canvas').count()).toBeGreaterThanOrEqual(2);
    await expect.poll(() => page.locator('[data-testid=instances] tbody tr').count()).toBe(3);
    await expect
      .poll(() => page.getByRole('img', { name: /Connections by transport, latest: graphql-ws 1/ }).count())
      .toBe(1);
    await expectAccessible(page, 'live figures');
    await page.screenshot({ path: shot('console-live.png'), fullPage: true });

    // Subscribers, from the other instance; ending Bob's sessions ends his stream there.
    await section(page, 'Subscribers');
    const bobRow = page.locator('[data-testid=subscribers] tr[data-user=bob]');
    await expect
      .poll(() => bobRow.innerText())
      .toMatch(new RegExp(`ws[\\s\\S]*channels property[\\s\\S]*${b.app.services.instanceId}`));
    await expectAccessible(page, 'subscribers');
    await bobRow.getByRole('button', { name: 'End sessions' }).click();
    await page.getByRole('status').filter({ hasText: 'Ended 1 stream.' }).waitFor();
    const [ended] = await refusal(bobStream);
    expect(ended?.extensions).toMatchObject({ reason: 'SESSIONS_ENDED' });

    // Members: a role changed here is the role the other instance sees.
    await section(page, 'Members');
    await page.getByLabel('Role of bob').selectOption('VIEWER');
    const roleOnB = async () =>
      (
        await gqlOk(
          b.graphqlUrl,
          'query($o: ID!) { organization(id: $o) { members { userId role } } }',
          { o: org.id },
          org.tokens.alice,
        )
      ).organization.members.find((m: { userId: string }) => m.userId === 'bob')?.role;
    await expect.poll(roleOnB).toBe('VIEWER');
    await page.getByLabel("New member's user id").fill('carol');
    await page.getByLabel("New member's role").selectOption('ADMIN');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.locator('[data-testid=members] tr[data-user=carol]').waitFor();
    await expectAccessible(page, 'members');

    // Settings: an API key shown once, then revoked.
    await section(page, 'Settings');
    await page.getByLabel('New key name').fill('crm-backend');
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect.poll(() => page.locator('[data-testid=new-key] code').innerText()).toMatch(/\S{20,}/);
    await page.getByRole('button', { name: 'Revoke crm-backend' }).click();
    await expect.poll(() => page.locator('[data-testid=api-keys]').innerText()).toContain('revoked');
    await expectAccessible(page, 'settings');
    await bobOnB.dispose();
    expect(consoleErrors).toEqual([]);
  });

  it('pages history back, filters, shows an event, copies its cursor, replays from it and sends', async () => {
    const org = await createOrg(a, 'alice', { bob: 'MEMBER' });
    const service = await token('backend', { service: true });
    const sent = [];
    for (let i = 0; i < 60; i++)
      sent.push(
        await publish(b, service, {
          orgId: org.id,
          channel: 'property',
          type: 'property.update',
          subjectId: `p-${i}`,
          payload: { i, price: 400_000 + i },
        }),
      );
    const page = await signIn(a, org.tokens.alice!, org.id);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Console' }).click();
    await section(page, 'Inspector');
    const rows = page.locator('[data-testid=history] li[data-sequence]');
    await expect.poll(() => rows.count()).toBe(50);
    expect(await rows.first().getAttribute('data-sequence')).toBe(String(sent[59]!.sequence));
    await page.getByRole('button', { name: 'Older' }).click();
    // The rest: ten updates and the two member.join events before them.
    await expect.poll(() => rows.count()).toBe(12);
    expect(await rows.first().getAttribute('data-sequence')).toBe(String(sent[9]!.sequence));
    await page.getByRole('button', { name: 'Newer' }).click();
    await expect.poll(() => rows.count()).toBe(50);

    await page.getByLabel('Filter by subject').fill('p-7');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    await rows.first().getByRole('button').click();
    const detail = page.locator('[data-testid=event-detail]');
    await expect.poll(() => detail.locator('[data-testid=payload-json]').innerText()).toContain('"price": 400007');
    expect(await detail.locator('[data-testid=cursor]').innerText()).toBe(sent[7]!.cursor);
    await detail.getByRole('button', { name: 'Copy cursor' }).click();
    await detail.getByRole('button', { name: 'Cursor copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(sent[7]!.cursor);

    // Replay from it: the events after it, in order, as a resuming client gets them.
    await detail.getByRole('button', { name: 'Replay from here' }).click();
    const replayed = page.locator('[data-testid=replay] li[data-sequence]');
    await expect.poll(() => replayed.count()).toBe(52);
    expect(await replayed.first().getAttribute('data-sequence')).toBe(String(sent[8]!.sequence));
    await expectAccessible(page, 'inspector');

    await page.getByLabel('Test event payload').fill('{"hello": "console"}');
    await page.getByRole('button', { name: 'Send event' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Stored as #\d+/ })
      .waitFor();
    // The replay is live: the test event arrives in it too.
    await expect.poll(() => replayed.count()).toBe(53);
    await page.getByLabel('Test event payload').fill('{not json');
    await page.getByRole('button', { name: 'Send event' }).click();
    await page.locator('.error', { hasText: 'The payload is not JSON' }).waitFor();

    await page.getByLabel('Notification recipients').fill('bob');
    await page.getByLabel('Notification title').fill('Viewing at 5');
    await page.getByRole('button', { name: 'Send notification' }).click();
    await page.getByRole('status').filter({ hasText: 'Sent to 1 recipient.' }).waitFor();
    const inbox = await gqlOk(b.graphqlUrl, '{ notifications { nodes { title } } }', {}, org.tokens.bob);
    expect(inbox.notifications.nodes.map((n: { title: string }) => n.title)).toContain('Viewing at 5');
    await page.screenshot({ path: shot('console-inspector.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  it('fits a phone: every section without sideways scrolling, accessible', async () => {
    const org = await createOrg(a, 'alice', { bob: 'MEMBER' });
    await publish(a, org.tokens.alice!, {
      orgId: org.id,
      channel: 'property',
      type: 'property.update',
      payload: { price: 1 },
    });
    const page = await signIn(b, org.tokens.alice!, org.id, PHONE);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Console' }).click();
    await expect.poll(() => page.locator('[data-testid=charts] canvas').count()).toBeGreaterThanOrEqual(2);
    for (const name of ['Live figures', 'Subscribers', 'Members', 'Settings', 'Inspector']) {
      await section(page, name);
      await page.locator('main.console .card').first().waitFor();
      const overflow = await page.evaluate(() => {
        const wide = [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest('.table-scroll'))
          .map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
        return { by: document.documentElement.scrollWidth - window.innerWidth, wide: wide.slice(0, 5) };
      });
      expect(overflow.by, `${name} at 390 px: ${overflow.wide.join(' ')}`).toBeLessThanOrEqual(0);
      await expectAccessible(page, `${name} at 390 px`);
      if (name === 'Live figures') await page.screenshot({ path: shot('console-phone.png'), fullPage: true });
    }
    expect(consoleErrors).toEqual([]);
  });

  it("gives an operator's service token the whole server: latency, Redis, both instances", async () => {
    const org = await createOrg(a, 'alice');
    const page = await signIn(a, await token('ops', { service: true }));
    await page.getByLabel('Organization id').fill(org.id);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Console' }).click();
    await page.locator('[data-testid=redis-state]', { hasText: 'Redis: up' }).waitFor();
    await page
      .getByRole('combobox', { name: 'Instance' })
      .locator('option', { hasText: 'All instances (2)' })
      .waitFor({ state: 'attached' });
    await publish(a, org.tokens.alice!, { orgId: org.id, channel: 'property', type: 'property.update', payload: {} });
    await expect.poll(() => page.getByRole('img', { name: /^Delivery latency/ }).count()).toBe(1);
    await page.getByRole('combobox', { name: 'Instance' }).selectOption(b.app.services.instanceId);
    await expectAccessible(page, 'operator view');
    expect(consoleErrors).toEqual([]);
  });
});
