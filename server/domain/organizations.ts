import { requireOrgAccess, requireViewer } from '../auth/access.js';
import type { Viewer } from '../auth/viewer.js';
import type { Services } from '../context.js';
import { badInput, forbidden, rateLimited } from '../errors.js';
import * as repo from '../store/repository.js';
import type { Membership, Organization, Role } from '../store/types.js';
import { actorOf, commitAndPublish } from './publish.js';

/** Remembers the name a user's token carries; users need no sign-up. */
export async function touchUser(services: Services, viewer: Viewer): Promise<void> {
  if (!viewer.isService) await repo.upsertUser(services.store.db, viewer.userId, viewer.name);
}

export async function createOrganization(
  services: Services,
  viewer: Viewer | null,
  name: string,
): Promise<Organization> {
  const v = requireViewer(viewer);
  await touchUser(services, v);
  const { result } = await commitAndPublish(
    services,
    async (tx) => {
      if (!v.isService) await ensureCanOwnMore(services, tx, v.userId, 'You already own');
      const org = await repo.insertOrganization(tx, name);
      // A service creates an organization it manages without being a member of it.
      const owner = v.isService ? undefined : await repo.putMembership(tx, org.id, v.userId, 'OWNER');
      return { org, owner };
    },
    ({ org, owner }) => owner && memberEvent('member.join', org.id, v, owner),
  );
  return result.org;
}

export async function updateOrganization(
  services: Services,
  viewer: Viewer | null,
  orgId: string,
  name: string,
): Promise<Organization> {
  const { viewer: v } = await requireOrgAccess(services.store, viewer, orgId, 'ADMIN', 'rename it');
  const { result } = await commitAndPublish(
    services,
    async (tx) => {
      const org = await repo.renameOrganization(tx, orgId, name);
      if (!org) throw new Error(`organization ${orgId} vanished during rename`);
      return org;
    },
    (org) => ({
      orgId,
      channel: 'organization',
      type: 'organization.change',
      subjectId: orgId,
      payload: { organization: { id: org.id, name: org.name } },
      actor: actorOf(v),
    }),
  );
  return result;
}

export async function addMember(
  services: Services,
  viewer: Viewer | null,
  orgId: string,
  userId: string,
  role: Role,
): Promise<Membership> {
  const access = await requireOrgAccess(services.store, viewer, orgId, 'ADMIN', 'add members');
  if (role === 'OWNER' && access.membership && access.membership.role !== 'OWNER') {
    throw forbidden('Only an OWNER (or a service) can make someone an OWNER.');
  }
  const { result } = await commitAndPublish(
    services,
    async (tx) => {
      const before = await repo.getMembership(tx, orgId, userId);
      if (before?.role === 'OWNER' && access.membership?.role !== 'OWNER' && access.membership) {
        throw forbidden("Only an OWNER (or a service) can change an OWNER's role.");
      }
      if (before?.role === 'OWNER' && role !== 'OWNER') await ensureAnotherOwner(tx, orgId, userId);
      if (role === 'OWNER' && before?.role !== 'OWNER' && !access.viewer.isService) {
        await ensureCanOwnMore(services, tx, userId, `User "${userId}" already owns`);
      }
      return { before, after: await repo.putMembership(tx, orgId, userId, role) };
    },
    ({ before, after }) =>
      before?.role === after.role
        ? undefined
        : memberEvent(before ? 'member.update' : 'member.join', orgId, access.viewer, after, before?.role),
  );
  return result.after;
}

export async function removeMember(
  services: Services,
  viewer: Viewer | null,
  orgId: string,
  userId: string,
): Promise<boolean> {
  const v = requireViewer(viewer);
  // Anyone may leave; removing someone else takes ADMIN.
  const leaving = !v.isService && v.userId === userId;
  const access = await requireOrgAccess(services.store, v, orgId, leaving ? 'VIEWER' : 'ADMIN', 'remove members');
  const { result } = await commitAndPublish(
    services,
    async (tx) => {
      const before = await repo.getMembership(tx, orgId, userId);
      if (!before) return undefined;
      if (before.role === 'OWNER') {
        if (!leaving && access.membership && access.membership.role !== 'OWNER')
          throw forbidden('Only an OWNER (or a service) can remove an OWNER.');
        await ensureAnotherOwner(tx, orgId, userId);
      }
      await repo.deleteMembership(tx, orgId, userId);
      return before;
    },
    (before) => before && memberEvent('member.leave', orgId, v, before),
  );
  return result !== undefined;
}

export async function getOrganizationFor(
  services: Services,
  viewer: Viewer | null,
  orgId: string,
): Promise<Organization> {
  await requireOrgAccess(services.store, viewer, orgId, 'VIEWER', 'see it');
  const org = await repo.getOrganization(services.store.db, orgId);
  if (!org) throw new Error(`organization ${orgId} vanished`);
  return org;
}

/** The members of an organization the caller already reached through an access-checked field. */
export const listMembersOf = (services: Services, org: Organization): Promise<Membership[]> =>
  repo.listMembers(services.store.db, org.id);

export async function listMyOrganizations(services: Services, viewer: Viewer | null): Promise<Organization[]> {
  const v = requireViewer(viewer);
  return repo.listOrganizationsOf(services.store.db, v.userId);
}

/**
 * The cap on organizations one user owns, checked where a user becomes an OWNER (creating one, or being made
 * OWNER by another). Without it any token could create organizations without end, each with a publish budget
 * of its own. Services are exempt (callers skip the check); an OWNER who leaves or is demoted frees a place.
 */
async function ensureCanOwnMore(services: Services, tx: repo.DbHandle, userId: string, subject: string): Promise<void> {
  const limit = services.limits.maxOrganizationsPerUser;
  await repo.lockUser(tx, userId); // two concurrent creations by one user: the second counts after the first
  const owned = await repo.countOwnedOrganizations(tx, userId);
  if (owned < limit) return;
  throw rateLimited(
    `${subject} ${owned} organizations, the most one user may own on this server (${limit}): leave one, or hand it to another OWNER, first.`,
    {
      reason: 'ORGANIZATION_LIMIT',
      limit,
    },
  );
}

async function ensureAnotherOwner(tx: repo.DbHandle, orgId: string, leavingUserId: string): Promise<void> {
  const owners = (await repo.listMembers(tx, orgId)).filter((m) => m.role === 'OWNER' && m.userId !== leavingUserId);
  if (owners.length === 0) throw badInput('An organization needs at least one OWNER: make someone else OWNER first.');
}

function memberEvent(
  type: 'member.join' | 'member.leave' | 'member.update',
  orgId: string,
  actor: Viewer,
  m: Membership,
  previousRole?: Role,
) {
  return {
    orgId,
    channel: 'organization',
    type,
    subjectId: m.userId,
    payload: { member: { userId: m.userId, role: m.role, ...(previousRole ? { previousRole } : {}) } },
    actor: actorOf(actor),
  };
}
