import { DataTable } from './DataTable';
import { useEffect, useMemo, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import {
  ApiKeysQuery,
  CreateApiKeyMutation,
  OrganizationQuery,
  RevokeApiKeyMutation,
  UpdateOrganizationMutation,
} from '../../operations';
import { ChannelRules } from '../ChannelRules';

/** The organization's name, channel rules and API keys. */
export function Settings({ orgId }: { orgId: string }) {
  return (
    <div className="console-columns">
      <OrganizationName orgId={orgId} />
      <ApiKeys orgId={orgId} />
      <ChannelRules orgId={orgId} />
    </div>
  );
}

function OrganizationName({ orgId }: { orgId: string }) {
  const [{ data }] = useQuery({ query: OrganizationQuery, variables: { orgId } });
  const [saved, save] = useMutation(UpdateOrganizationMutation);
  const [name, setName] = useState('');
  useEffect(() => setName(data?.organization.name ?? ''), [data]);
  return (
    <section className="card" aria-labelledby="org-title">
      <h2 id="org-title">Organization</h2>
      <p className="muted">
        Id <code>{orgId}</code>
        {data && <> · created {new Date(String(data.organization.createdAt)).toLocaleDateString()}</>}
      </p>
      <div className="rule-form">
        <input aria-label="Organization name" value={name} onChange={(e) => setName(e.target.value)} />
        <button type="button" disabled={!name.trim() || saved.fetching} onClick={() => void save({ orgId, name })}>
          Save name
        </button>
      </div>
      {saved.error && <p className="error">{saved.error.message}</p>}
      {saved.data && !saved.error && (
        <p className="muted" role="status">
          Saved.
        </p>
      )}
    </section>
  );
}

/** API keys publish into this organization only; the secret is shown once, when created. */
function ApiKeys({ orgId }: { orgId: string }) {
  // An organization without keys lists no ApiKey for urql's document cache to see: it is told the list's type,
  // and refetches it when a mutation returns a key (created or revoked).
  const context = useMemo(() => ({ additionalTypenames: ['ApiKey'] }), []);
  const [{ data, error }] = useQuery({ query: ApiKeysQuery, variables: { orgId }, context });
  const [created, create] = useMutation(CreateApiKeyMutation);
  const [revoked, revoke] = useMutation(RevokeApiKeyMutation);
  const [name, setName] = useState('');
  const failure = error ?? created.error ?? revoked.error;
  return (
    <section className="card" aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      {failure && <p className="error">{failure.message}</p>}
      {created.data && (
        <p className="secret" role="status" data-testid="new-key">
          Copy the secret of “{created.data.createApiKey.apiKey.name}” now; it is not shown again:{' '}
          <code>{created.data.createApiKey.secret}</code>
        </p>
      )}
      <DataTable label="API keys table" testId="api-keys" headers={['Name', 'Last used', 'State']}>
        {(data?.apiKeys ?? []).map((k) => (
          <tr key={k.id}>
            <td>{k.name}</td>
            <td>{k.lastUsedAt ? new Date(String(k.lastUsedAt)).toLocaleString() : 'never'}</td>
            <td>
              {k.revokedAt ? (
                'revoked'
              ) : (
                <button type="button" onClick={() => void revoke({ id: k.id })}>
                  Revoke {k.name}
                </button>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      <div className="rule-form">
        <input
          aria-label="New key name"
          placeholder="e.g. crm-backend"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <button
          type="button"
          disabled={!name.trim() || created.fetching}
          onClick={() =>
            void create({ orgId, name: name.trim() }).then((r) => {
              if (!r.error) setName('');
            })
          }
        >
          Create key
        </button>
      </div>
    </section>
  );
}
