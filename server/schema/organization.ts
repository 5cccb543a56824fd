import * as orgs from '../domain/organizations.js';
import { type Membership, type Organization, ROLES } from '../store/types.js';
import { z } from 'zod';
import type { Builder } from './builder.js';

const orgNameSchema = z.string().trim().min(1, 'name must not be empty').max(100, 'name is at most 100 characters');
const userIdSchema = z.string().min(1, 'userId must not be empty').max(128, 'userId is at most 128 characters');

/** Organizations and memberships: their types, queries and mutations. Returns the types other domains use. */
export function addOrganizationSchema(builder: Builder) {
  const refs = organizationTypes(builder);
  organizationQueries(builder, refs);
  organizationMutations(builder, refs);
  return refs;
}

export type OrganizationRefs = ReturnType<typeof organizationTypes>;

function organizationTypes(builder: Builder) {
  const RoleEnum = builder.enumType('Role', {
    values: ROLES,
    description: 'OWNER > ADMIN > MEMBER > VIEWER. VIEWERs only read; MEMBERs publish; ADMINs manage members.',
  });
  const OrganizationRef = builder.objectRef<Organization>('Organization');
  const MembershipRef = builder.objectRef<Membership>('Membership');
  OrganizationRef.implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name'),
      createdAt: t.field({ type: 'DateTime', resolve: (o) => new Date(o.createdAt) }),
      members: t.field({
        type: [MembershipRef],
        // Only reachable through a field that already checked access to this organization.
        resolve: (o, _args, ctx) => orgs.listMembersOf(ctx.services, o),
      }),
    }),
  });
  MembershipRef.implement({
    fields: (t) => ({
      orgId: t.exposeID('orgId'),
      userId: t.exposeID('userId'),
      name: t.exposeString('name', {
        nullable: true,
        description: "Taken from the user's token once they have connected.",
      }),
      role: t.field({ type: RoleEnum, resolve: (m) => m.role }),
      joinedAt: t.field({ type: 'DateTime', resolve: (m) => new Date(m.createdAt) }),
    }),
  });
  return { RoleEnum, OrganizationRef, MembershipRef };
}

function organizationQueries(builder: Builder, { OrganizationRef }: OrganizationRefs) {
  builder.queryFields((t) => ({
    organizations: t.field({
      type: [OrganizationRef],
      description: 'The organizations the caller is a member of.',
      authScopes: { loggedIn: true },
      resolve: (_root, _args, ctx) => orgs.listMyOrganizations(ctx.services, ctx.viewer),
    }),
    organization: t.field({
      type: OrganizationRef,
      args: { id: t.arg.id({ required: true }) },
      authScopes: { loggedIn: true },
      resolve: (_root, args, ctx) => orgs.getOrganizationFor(ctx.services, ctx.viewer, String(args.id)),
    }),
  }));
}

function organizationMutations(builder: Builder, { RoleEnum, OrganizationRef, MembershipRef }: OrganizationRefs) {
  builder.mutationFields((t) => ({
    createOrganization: t.field({
      type: OrganizationRef,
      description: 'Creates an organization; the caller becomes its OWNER.',
      authScopes: { loggedIn: true },
      args: { name: t.arg.string({ required: true, validate: orgNameSchema }) },
      resolve: (_root, args, ctx) => orgs.createOrganization(ctx.services, ctx.viewer, args.name.trim()),
    }),
    updateOrganization: t.field({
      type: OrganizationRef,
      authScopes: { loggedIn: true },
      args: { orgId: t.arg.id({ required: true }), name: t.arg.string({ required: true, validate: orgNameSchema }) },
      resolve: (_root, args, ctx) =>
        orgs.updateOrganization(ctx.services, ctx.viewer, String(args.orgId), args.name.trim()),
    }),
    addMember: t.field({
      type: MembershipRef,
      description: 'Adds a user (by token `sub`; they need not have connected yet) or changes their role.',
      authScopes: { loggedIn: true },
      args: {
        orgId: t.arg.id({ required: true }),
        userId: t.arg.id({ required: true, validate: userIdSchema }),
        role: t.arg({ type: RoleEnum, required: true, defaultValue: 'MEMBER' }),
      },
      resolve: (_root, args, ctx) =>
        orgs.addMember(ctx.services, ctx.viewer, String(args.orgId), String(args.userId), args.role),
    }),
    removeMember: t.boolean({
      description: 'Removes a member (ADMIN) or leaves (yourself). False when they were not a member.',
      authScopes: { loggedIn: true },
      args: { orgId: t.arg.id({ required: true }), userId: t.arg.id({ required: true, validate: userIdSchema }) },
      resolve: (_root, args, ctx) =>
        orgs.removeMember(ctx.services, ctx.viewer, String(args.orgId), String(args.userId)),
    }),
  }));
}
