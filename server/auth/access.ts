import type { Store } from '../store/store.js';
import { apiKeyOtherOrganization, apiKeyPublishOnly, forbidden, notFound, unauthenticated } from '../errors.js';
import { getMembership, getOrganization } from '../store/repository.js';
import type { Membership, Role } from '../store/types.js';
import { roleAtLeast } from './roles.js';
import type { Viewer } from './viewer.js';

export { roleAtLeast } from './roles.js';

export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

export interface OrgAccess {
  viewer: Viewer;
  /** Undefined for services, which act on any organization without a membership. */
  membership?: Membership;
}

/**
 * Organizations known to exist, per store: organizations are never deleted, so once seen, a service's request
 * needs no query to find its organization (a member's needs one: its membership). Bounded; forgetting only
 * costs a query.
 */
const knownOrgs = new WeakMap<Store, Set<string>>();
const KNOWN_ORGS_MAX = 100_000;

export async function orgExists(store: Store, orgId: string): Promise<boolean> {
  let known = knownOrgs.get(store);
  if (known?.has(orgId)) return true;
  if (!(await getOrganization(store.db, orgId))) return false;
  if (!known) knownOrgs.set(store, (known = new Set()));
  if (known.size >= KNOWN_ORGS_MAX) known.clear();
  known.add(orgId);
  return true;
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
  if (v.isService || v.apiKey) {
    if (!(await orgExists(store, orgId))) throw notFound(`Organization "${truncate(orgId)}" does not exist.`);
    return { viewer: v };
  }
  // A membership proves the organization exists; only without one is it looked up, for the right error.
  const membership = await getMembership(store.db, orgId, v.userId);
  if (!membership) {
    if (!(await orgExists(store, orgId))) throw notFound(`Organization "${truncate(orgId)}" does not exist.`);
    throw forbidden(`You are not a member of organization "${orgId}"; only its members can ${action}.`);
  }
  if (!roleAtLeast(membership.role, minRole)) {
    throw forbidden(
      `Your role ${membership.role} in organization "${orgId}" cannot ${action}; it needs ${minRole} or above.`,
    );
  }
  return { viewer: v, membership };
}

const truncate = (s: string) => (s.length > 64 ? `${s.slice(0, 64)}…` : s);

/** A second look after a stream is registered, closing the window in which a removal could slip past. */
export async function isStillMember(store: Store, viewer: Viewer, orgId: string): Promise<boolean> {
  if (viewer.apiKey) return viewer.apiKey.orgId === orgId;
  return viewer.isService || (await getMembership(store.db, orgId, viewer.userId)) !== undefined;
}
