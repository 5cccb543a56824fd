import type { Store } from '../store/store.js';
import { apiKeyOtherOrganization, apiKeyPublishOnly, forbidden, notFound, unauthenticated } from '../errors.js';
import { getMembership, getOrganization } from '../store/repository.js';
import type { Membership, Organization, Role } from '../store/types.js';
import type { Viewer } from './viewer.js';

const RANK: Record<Role, number> = { VIEWER: 0, MEMBER: 1, ADMIN: 2, OWNER: 3 };

export const roleAtLeast = (role: Role, min: Role) => RANK[role] >= RANK[min];

export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

export interface OrgAccess {
  viewer: Viewer;
  org: Organization;
  /** Undefined for services, which act on any organization without a membership. */
  membership?: Membership;
}

/**
 * The one organization gate: the org exists, and the viewer is a service or a member with at least
 * `minRole`. Unknown organizations and non-members get distinct, actionable errors. An API key passes only in
 * its own organization (FORBIDDEN elsewhere) and only where `options.apiKeys` lets it (publishing).
 */
export async function requireOrgAccess(
  store: Store,
  viewer: Viewer | null,
  orgId: string,
  minRole: Role,
  action: string,
  options: { apiKeys?: boolean } = {},
): Promise<OrgAccess> {
  const v = requireViewer(viewer);
  if (v.apiKey) {
    if (v.apiKey.orgId !== orgId) throw apiKeyOtherOrganization(v.apiKey.orgId, orgId);
    if (!options.apiKeys) throw apiKeyPublishOnly();
  }
  const org = await getOrganization(store.db, orgId);
  if (!org) throw notFound(`Organization "${truncate(orgId)}" does not exist.`);
  if (v.isService || v.apiKey) return { viewer: v, org };
  const membership = await getMembership(store.db, orgId, v.userId);
  if (!membership) throw forbidden(`You are not a member of organization "${orgId}"; only its members can ${action}.`);
  if (!roleAtLeast(membership.role, minRole)) {
    throw forbidden(
      `Your role ${membership.role} in organization "${orgId}" cannot ${action}; it needs ${minRole} or above.`,
    );
  }
  return { viewer: v, org, membership };
}

const truncate = (s: string) => (s.length > 64 ? `${s.slice(0, 64)}…` : s);

/** A second look after a stream is registered, closing the window in which a removal could slip past. */
export async function isStillMember(store: Store, viewer: Viewer, orgId: string): Promise<boolean> {
  if (viewer.apiKey) return viewer.apiKey.orgId === orgId;
  return viewer.isService || (await getMembership(store.db, orgId, viewer.userId)) !== undefined;
}
