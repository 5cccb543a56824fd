import { useSubscription } from 'urql';
import { PresenceSubscription } from '../operations';

export function PresenceList({ orgId }: { orgId: string }) {
  const [{ data }] = useSubscription({ query: PresenceSubscription, variables: { orgId } });
  const users = data?.presence.users ?? [];
  return (
    <section className="card">
      <h2>Online now</h2>
      <ul className="presence" data-testid="presence">
        {users.map((u) => (
          <li key={u.userId}>
            <span className="dot" /> {u.name ?? u.userId}
          </li>
        ))}
      </ul>
    </section>
  );
}
