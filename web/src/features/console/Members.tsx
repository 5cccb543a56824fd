import { DataTable } from './DataTable';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import type { Role } from '../../gql/graphql';
import { AddMemberMutation, OrganizationQuery, RemoveMemberMutation } from '../../operations';

const ROLES: Role[] = ['VIEWER', 'MEMBER', 'ADMIN', 'OWNER'];
const MEMBERSHIPS_CHANGED = { additionalTypenames: ['Membership'] };

/** Members and their roles: change a role, remove a member, add one by user id (the server checks who may). */
export function Members({ orgId }: { orgId: string }) {
  const [{ data, error }] = useQuery({ query: OrganizationQuery, variables: { orgId } });
  const [added, addMember] = useMutation(AddMemberMutation);
  const [removed, removeMember] = useMutation(RemoveMemberMutation);
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<Role>('MEMBER');
  // urql's document cache refetches the list when a mutation returns a Membership; removeMember returns a
  // Boolean, so it names the type it changed.
  const setMemberRole = (member: string, to: Role) => void addMember({ orgId, userId: member, role: to });
  const remove = (member: string) => void removeMember({ orgId, userId: member }, MEMBERSHIPS_CHANGED);
  const add = async () => {
    if (!(await addMember({ orgId, userId: userId.trim(), role })).error) setUserId('');
  };
  const failure = error ?? added.error ?? removed.error;
  return (
    <section className="card" aria-labelledby="members-title">
      <h2 id="members-title">Members and roles</h2>
      {failure && <p className="error">{failure.message}</p>}
      <DataTable label="Members table" testId="members" headers={['User', 'Role', 'Joined', '']}>
        {(data?.organization.members ?? []).map((m) => (
          <tr key={m.userId} data-user={m.userId}>
            <td>
              {m.name ?? m.userId} <span className="muted">{m.name ? m.userId : ''}</span>
            </td>
            <td>
              <select
                aria-label={`Role of ${m.userId}`}
                value={m.role}
                onChange={(e) => setMemberRole(m.userId, e.target.value as Role)}
              >
                {ROLES.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            </td>
            <td>{new Date(String(m.joinedAt)).toLocaleDateString()}</td>
            <td>
              <button type="button" onClick={() => remove(m.userId)}>
                Remove
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
      <div className="rule-form">
        <input
          aria-label="New member's user id"
          placeholder="user id (token sub)"
          value={userId}
          onChange={(e) => setUserId(e.target.value)}
        />
        <select aria-label="New member's role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <button type="button" disabled={!userId.trim() || added.fetching} onClick={() => void add()}>
          Add member
        </button>
      </div>
    </section>
  );
}
