import { useMemo, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import type { Role } from '../gql/graphql';
import { ChannelRulesQuery, SetChannelRuleMutation } from '../operations';

const ROLES: Role[] = ['VIEWER', 'MEMBER', 'ADMIN', 'OWNER'];

/**
 * The organization's guarded channels, for everyone; OWNERs and ADMINs change them here (the server refuses
 * anyone else, and the refusal is shown). Setting VIEWER / MEMBER lifts a rule.
 */
export function ChannelRules({ orgId }: { orgId: string }) {
  // With no rule yet the list holds no ChannelRule for urql's document cache to see: it is told the list's
  // type, and refetches it whenever a mutation returns one.
  const context = useMemo(() => ({ additionalTypenames: ['ChannelRule'] }), []);
  const [{ data }] = useQuery({ query: ChannelRulesQuery, variables: { orgId }, context });
  const [{ error, fetching }, setRule] = useMutation(SetChannelRuleMutation);
  const [channel, setChannel] = useState('');
  const [subscribeRole, setSubscribeRole] = useState<Role>('ADMIN');
  const [publishRole, setPublishRole] = useState<Role>('ADMIN');
  const rules = data?.organization.channelRules ?? [];
  const submit = async () => {
    const result = await setRule({ orgId, channel: channel.trim(), subscribeRole, publishRole });
    if (!result.error) setChannel('');
  };
  return (
    <section className="card">
      <h2>Channel rules</h2>
      {rules.length === 0 ? (
        <p className="muted">Every member reads every channel; MEMBERs publish.</p>
      ) : (
        <table className="rules" data-testid="channel-rules">
          <thead>
            <tr>
              <th scope="col">Channel</th>
              <th scope="col">Read</th>
              <th scope="col">Publish</th>
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => (
              <tr key={r.channel}>
                <td>{r.channel}</td>
                <td>{r.subscribeRole}</td>
                <td>{r.publishRole}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="rule-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <input
          aria-label="Channel"
          placeholder="channel"
          value={channel}
          onChange={(e) => setChannel(e.target.value)}
        />
        <RoleSelect label="Read role" value={subscribeRole} onChange={setSubscribeRole} />
        <RoleSelect label="Publish role" value={publishRole} onChange={setPublishRole} />
        <button type="submit" disabled={fetching || channel.trim() === ''}>
          Set rule
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error.graphQLErrors[0]?.message ?? error.message}
        </p>
      )}
    </section>
  );
}

function RoleSelect(props: { label: string; value: Role; onChange: (r: Role) => void }) {
  return (
    <select aria-label={props.label} value={props.value} onChange={(e) => props.onChange(e.target.value as Role)}>
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {r}
        </option>
      ))}
    </select>
  );
}
