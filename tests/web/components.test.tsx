// @vitest-environment jsdom
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Provider } from 'urql';
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { ChannelRules } from '../../web/src/features/ChannelRules';
import { ConnectionBadge } from '../../web/src/features/ConnectionBadge';
import { EventFeed } from '../../web/src/features/EventFeed';
import { type ListingUpdate, ListingSummary } from '../../web/src/features/ListingSummary';
import type { EventFieldsFragment } from '../../web/src/gql/graphql';
import { NotificationsBell } from '../../web/src/features/NotificationsBell';
import { PresenceList } from '../../web/src/features/PresenceList';
import { TypingBox } from '../../web/src/features/TypingBox';
import { type ConnectionState, createSwitchboardClient } from '../../web/src/lib/urql';
import { gqlOk } from '../support/http';
import { ROOT, type ServerProcess, spawnServer } from '../support/process';

// The dashboard's components with the real urql client, over a real socket, against a real server. The
// server runs in its own process: this file's DOM environment is for the components, not for the server.
describe('dashboard components', () => {
  let dataDir: string;
  let server: ServerProcess;
  let tokens: Record<string, string>;
  const clients: Array<{ dispose: () => unknown }> = [];
  const graphql = () => `${server.url}/graphql`;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-components-'));
    // The demo catalog, which the dashboard's generated types come from (web/schema.demo.graphql).
    server = await spawnServer({ DATA_DIR: dataDir, EVENTS_CATALOG: join(ROOT, 'web', 'catalog.demo.json') });
    tokens = Object.fromEntries(
      [...server.stdout().matchAll(/(\w+) Demo \(\w+\): Authorization: Bearer (\S+)/g)].map((m) => [
        m[1]!.toLowerCase(),
        m[2]!,
      ]),
    );
  }, 60_000);
  afterEach(async () => {
    cleanup();
    for (const c of clients.splice(0)) await c.dispose();
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function mount(token: string, ui: React.ReactNode, states: ConnectionState[] = [], debug = false) {
    const sb = createSwitchboardClient({
      token: () => token,
      transport: 'ws',
      onState: (s: ConnectionState) => states.push(s),
      onAuthError: () => {},
      baseUrl: server.url,
      debug,
    });
    clients.push(sb);
    return render(<Provider value={sb.client}>{ui}</Provider>);
  }

  it('EventFeed shows the history, then live events, once each', async () => {
    const states: ConnectionState[] = [];
    mount(tokens.bob!, <EventFeed orgId="org_demo" onResync={() => {}} />, states);
    await screen.findByText('system.alert', undefined, { timeout: 5_000 });
    await waitFor(() => expect(states).toContain('live'));
    // The live subscription resumes from the history's last cursor: nothing published now can be missed.
    await gqlOk(
      graphql(),
      'mutation { publishEvent(input: { orgId: "org_demo", channel: "property", type: "property.update", payload: { price: 321000, status: "under_offer" } }) { id } }',
      {},
      tokens.alice,
    );
    await screen.findByText('{"price":321000,"status":"under_offer"}', undefined, { timeout: 5_000 });
    expect(screen.getAllByText('property.update')).toHaveLength(1);
    // The typed fields, through `data { ... on PropertyUpdatePayload }` and the generated types.
    expect(screen.getByTestId('listing').textContent).toBe('321,000Under offer');
  });

  it('EventFeed holds new rows back while paused, searches what it shows, and clears', async () => {
    mount(tokens.bob!, <EventFeed orgId="org_demo" onResync={() => {}} />);
    await screen.findByText('system.alert', undefined, { timeout: 5_000 });
    const send = (type: string) =>
      gqlOk(
        graphql(),
        `mutation { publishEvent(input: { orgId: "org_demo", channel: "user", type: "${type}" }) { id } }`,
        {},
        tokens.alice,
      );
    await send('feed.before');
    await screen.findByText('feed.before', undefined, { timeout: 5_000 });
    fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    await send('feed.while.paused');
    await screen.findByRole('button', { name: 'Resume (1 new)' }, { timeout: 5_000 });
    expect(screen.queryByText('feed.while.paused')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Resume (1 new)' }));
    await screen.findByText('feed.while.paused');
    fireEvent.change(screen.getByLabelText('Search events'), { target: { value: 'while.paused' } });
    await waitFor(() => expect(screen.getByTestId('events').querySelectorAll('li[data-sequence]')).toHaveLength(1));
    fireEvent.change(screen.getByLabelText('Search events'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Clear' }));
    await waitFor(() => expect(screen.getByTestId('events').querySelectorAll('li[data-sequence]')).toHaveLength(0));
  });

  it('ListingSummary gets typed catalog fields from the generated types, not unknown JSON', () => {
    // Checked by `tsc -p tests/web` (npm run typecheck): these fail to compile if codegen typed them otherwise.
    expectTypeOf<ListingUpdate['price']>().toEqualTypeOf<number | null>();
    expectTypeOf<ListingUpdate['status']>().toEqualTypeOf<'listed' | 'sold' | 'under_offer' | null>();
    expectTypeOf<EventFieldsFragment['payload']>().toEqualTypeOf<unknown>();
    const listing: ListingUpdate = {
      __typename: 'PropertyUpdatePayload',
      price: 1250000.5,
      status: 'sold',
      address: '1 Harbour Lane',
    };
    render(<ListingSummary listing={listing} />);
    expect(screen.getByTestId('price').textContent).toBe('1,250,000.5');
    expect(screen.getByTestId('listing').textContent).toBe('1,250,000.5Sold1 Harbour Lane');
  });

  it('PresenceList shows who is online; TypingBox shows who is typing', async () => {
    mount(
      tokens.bob!,
      <>
        <PresenceList orgId="org_demo" />
        <TypingBox orgId="org_demo" room="lobby" me="bob" />
      </>,
    );
    await screen.findByText(/Bob Demo/, undefined, { timeout: 5_000 });
    const setTyping = () =>
      gqlOk(graphql(), 'mutation { setTyping(orgId: "org_demo", room: "lobby", typing: true) }', {}, tokens.alice);
    // Repeated as a typing client does (the server forwards at most one a second).
    await waitFor(
      async () => {
        await act(setTyping);
        expect(screen.getByTestId('typing').textContent).toBe('Alice Demo is typing…');
      },
      { timeout: 5_000, interval: 300 },
    );
  });

  it('NotificationsBell counts unread notifications live', async () => {
    mount(tokens.bob!, <NotificationsBell />);
    await waitFor(() => expect(screen.getByTestId('unread').textContent).toBe('0'));
    await gqlOk(
      graphql(),
      'mutation { sendNotification(input: { orgId: "org_demo", userIds: ["bob"], title: "Hello" }) { id } }',
      {},
      tokens.alice,
    );
    await waitFor(() => expect(screen.getByTestId('unread').textContent).toBe('1'), { timeout: 5_000 });
  });

  it("ChannelRules lists the guarded channels; a MEMBER's attempt shows the server's refusal", async () => {
    const setRule = async (channel: string) => {
      fireEvent.change(screen.getByLabelText('Channel'), { target: { value: channel } });
      fireEvent.change(screen.getByLabelText('Read role'), { target: { value: 'ADMIN' } });
      fireEvent.click(screen.getByRole('button', { name: 'Set rule' }));
    };
    const member = mount(tokens.bob!, <ChannelRules orgId="org_demo" />);
    await waitFor(() => expect(screen.getByText(/Every member reads every channel/)).toBeTruthy());
    await setRule('ledger');
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/cannot set channel rules/));
    member.unmount();

    mount(tokens.alice!, <ChannelRules orgId="org_demo" />);
    await waitFor(() => expect(screen.getByText(/Every member reads every channel/)).toBeTruthy());
    await setRule('ledger');
    await waitFor(() =>
      expect(screen.getByTestId('channel-rules').textContent).toBe('ChannelReadPublishledgerADMINADMIN'),
    );
    await gqlOk(
      graphql(),
      'mutation { setChannelRule(orgId: "org_demo", channel: "ledger") { channel } }',
      {},
      tokens.alice,
    );
  });

  it('the client logs connection events and operations to the console when its debug switch is on', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'debug').mockImplementation((...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    });
    try {
      mount(tokens.bob!, <PresenceList orgId="org_demo" />, [], true);
      await waitFor(() => expect(lines.some((l) => l.includes('graphql-ws connected'))).toBe(true));
      await waitFor(() => expect(lines.some((l) => l.startsWith('[switchboard] → subscription'))).toBe(true));
      expect(lines.join('\n')).not.toContain(tokens.bob!);
    } finally {
      spy.mockRestore();
    }
  });

  it('ConnectionBadge says where the connection stands, and over which transport', () => {
    render(<ConnectionBadge state="reconnecting" transport="sse" />);
    expect(screen.getByTestId('connection').textContent).toBe('Reconnecting… · SSE');
  });
});
