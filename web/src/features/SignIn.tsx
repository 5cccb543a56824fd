import { useEffect, useState } from 'react';
import type { Transport } from '../lib/urql';

export interface Session {
  token: string;
  transport: Transport;
}

interface DemoUser {
  sub: string;
  name: string;
  role: string;
  token: string;
}

/** Local development offers the demo users; otherwise paste a token from your identity provider. */
export function SignIn({ onSignIn }: { onSignIn: (s: Session) => void }) {
  const [demo, setDemo] = useState<DemoUser[]>([]);
  const [token, setToken] = useState('');
  const [transport, setTransport] = useState<Transport>('ws');
  /** Why no demo user is offered, when the server says (they are given to its own machine only). */
  const [demoRefusal, setDemoRefusal] = useState('');
  useEffect(() => {
    fetch('/dev/demo-tokens')
      .then(async (r) => {
        if (r.ok) return setDemo((await r.json()) as DemoUser[]);
        if (r.status === 403)
          setDemoRefusal(((await r.json()) as { errors?: Array<{ message: string }> }).errors?.[0]?.message ?? '');
      })
      .catch(() => setDemo([]));
  }, []);
  return (
    <div className="signin">
      <h1>Switchboard</h1>
      <p>Live events, presence and notifications for your organizations.</p>
      {demo.length > 0 && (
        <section>
          <h2>Sign in as a demo user</h2>
          {demo.map((u) => (
            <button
              key={u.sub}
              type="button"
              className="primary"
              onClick={() => onSignIn({ token: u.token, transport })}
            >
              {u.name} <small>({u.role})</small>
            </button>
          ))}
        </section>
      )}
      {demoRefusal && <p className="hint">{demoRefusal}</p>}
      <section>
        <h2>Or paste a token</h2>
        <textarea
          aria-label="Token"
          value={token}
          onChange={(e) => setToken(e.target.value.trim())}
          rows={3}
          placeholder="eyJhbGciOi…"
        />
        <label>
          Transport{' '}
          <select value={transport} onChange={(e) => setTransport(e.target.value as Transport)}>
            <option value="ws">WebSocket (graphql-ws)</option>
            <option value="sse">Server-Sent Events</option>
          </select>
        </label>
        <button type="button" disabled={!token} onClick={() => onSignIn({ token, transport })}>
          Sign in
        </button>
      </section>
    </div>
  );
}
