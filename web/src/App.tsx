import { useEffect, useMemo, useState } from 'react';
import { Provider, useQuery } from 'urql';
import { ChannelRules } from './features/ChannelRules';
import { ConnectionBadge } from './features/ConnectionBadge';
import { EventFeed } from './features/EventFeed';
import { NotificationsBell } from './features/NotificationsBell';
import { PresenceList } from './features/PresenceList';
import { SignIn, type Session } from './features/SignIn';
import { TypingBox } from './features/TypingBox';
import { type ConnectionState, createSwitchboardClient } from './lib/urql';
import { MeQuery } from './operations';

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
      <Dashboard state={state} onResync={() => setState('resynced')} onSignOut={signOut} />
    </Provider>
  );
}

function Dashboard(props: { state: ConnectionState | 'resynced'; onResync: () => void; onSignOut: () => void }) {
  const [{ data, error }] = useQuery({ query: MeQuery });
  const [orgId, setOrgId] = useState<string | null>(null);
  const orgs = data?.me.organizations ?? [];
  const current = orgId ?? orgs[0]?.id ?? null;
  return (
    <div className="app">
      <header className="topbar">
        <strong className="brand">Switchboard</strong>
        <select aria-label="Organization" value={current ?? ''} onChange={(e) => setOrgId(e.target.value)}>
          {orgs.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
        <span className="spacer" />
        <ConnectionBadge state={props.state} />
        <NotificationsBell />
        <span className="me" data-testid="me">
          {data?.me.name ?? data?.me.id}
        </span>
        <button type="button" onClick={props.onSignOut}>
          Sign out
        </button>
      </header>
      {error && <p className="error">{error.message}</p>}
      {current && (
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
