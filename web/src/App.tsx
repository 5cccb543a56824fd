import { useEffect, useMemo, useState } from 'react';
import { Provider, useQuery } from 'urql';
import { ChannelRules } from './features/ChannelRules';
import { ConnectionBadge } from './features/ConnectionBadge';
import { EventFeed } from './features/EventFeed';
import { NotificationsBell } from './features/NotificationsBell';
import { PresenceList } from './features/PresenceList';
import { SignIn, type Session } from './features/SignIn';
import { TypingBox } from './features/TypingBox';
import { ConsolePage } from './features/console/ConsolePage';
import { type ConnectionState, type Transport, createSwitchboardClient } from './lib/urql';
import { MeQuery, OrganizationQuery } from './operations';

const STORAGE_KEY = 'switchboard.session';

export function App() {
  const [session, setSession] = useState<Session | null>(
    () => JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Session | null,
  );
  const [state, setState] = useState<ConnectionState | 'resynced'>('connecting');
  const signOut = () => {
    localStorage.removeItem(STORAGE_KEY);
    setSession(null);
  };
  const switchboard = useMemo(
    () =>
      session
        ? createSwitchboardClient({
            token: () => session.token,
            transport: session.transport,
            onState: setState,
            onAuthError: signOut,
          })
        : null,
    [session],
  );
  useEffect(
    () => () => {
      void switchboard?.dispose();
    },
    [switchboard],
  );
  if (!session || !switchboard) {
    return (
      <SignIn
        onSignIn={(s) => {
          localStorage.setItem(STORAGE_KEY, JSON.stringify(s));
          setSession(s);
        }}
      />
    );
  }
  return (
    <Provider value={switchboard.client}>
      <Dashboard
        state={state}
        transport={session.transport}
        onResync={() => setState('resynced')}
        onSignOut={signOut}
      />
    </Provider>
  );
}

function Dashboard(props: {
  state: ConnectionState | 'resynced';
  transport: Transport;
  onResync: () => void;
  onSignOut: () => void;
}) {
  const [{ data, error }] = useQuery({ query: MeQuery });
  const [orgId, setOrgId] = useState<string | null>(null);
  const [page, setPage] = useState<'live' | 'console'>('live');
  const orgs = data?.me.organizations ?? [];
  const isService = data?.me.isService ?? false;
  // A service token belongs to no organization: it names the one it looks at.
  const current = orgId ?? orgs[0]?.id ?? (isService ? 'org_demo' : null);
  const canManage = useCanManage(current, data?.me.id, isService);
  return (
    <div className="app">
      <header className="topbar">
        <strong className="brand">Switchboard</strong>
        {isService ? (
          <input
            aria-label="Organization id"
            value={current ?? ''}
            onChange={(e) => setOrgId(e.target.value.trim() || null)}
          />
        ) : (
          <select aria-label="Organization" value={current ?? ''} onChange={(e) => setOrgId(e.target.value)}>
            {orgs.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        )}
        <nav aria-label="Pages" className="pages">
          <button type="button" aria-current={page === 'live' ? 'page' : undefined} onClick={() => setPage('live')}>
            Live
          </button>
          {canManage && (
            <button
              type="button"
              aria-current={page === 'console' ? 'page' : undefined}
              onClick={() => setPage('console')}
            >
              Console
            </button>
          )}
        </nav>
        <span className="spacer" />
        <ConnectionBadge state={props.state} transport={props.transport} />
        <NotificationsBell />
        <span className="me" data-testid="me">
          {data?.me.name ?? data?.me.id}
        </span>
        <button type="button" onClick={props.onSignOut}>
          Sign out
        </button>
      </header>
      {error && <p className="error">{error.message}</p>}
      {current && page === 'console' && canManage && <ConsolePage orgId={current} isService={isService} />}
      {current && (page === 'live' || !canManage) && (
        <main className="grid">
          <EventFeed orgId={current} onResync={props.onResync} />
          <aside>
            <PresenceList orgId={current} />
            <TypingBox orgId={current} room="lobby" me={data?.me.id ?? ''} />
            <ChannelRules orgId={current} />
          </aside>
        </main>
      )}
    </div>
  );
}

/** OWNERs, ADMINs and services see the console; the server checks every call again. */
function useCanManage(orgId: string | null, me: string | undefined, isService: boolean): boolean {
  const [{ data }] = useQuery({
    query: OrganizationQuery,
    variables: { orgId: orgId ?? '' },
    pause: !orgId || isService,
  });
  if (isService) return true;
  const role = data?.organization.members.find((m) => m.userId === me)?.role;
  return role === 'OWNER' || role === 'ADMIN';
}
