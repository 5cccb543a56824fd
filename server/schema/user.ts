import { listMyOrganizations } from '../domain/organizations.js';
import { requireViewer } from '../auth/access.js';
import type { Viewer } from '../auth/viewer.js';
import { builder } from './builder.js';
import { OrganizationRef } from './organization.js';

export const ViewerRef = builder.objectRef<Viewer>('Viewer').implement({
  description: 'The caller, as identified by its token.',
  fields: (t) => ({
    id: t.exposeID('userId', { description: "The token's `sub`." }),
    name: t.exposeString('name', { nullable: true }),
    isService: t.exposeBoolean('isService', { description: 'A backend service token (`role: "service"`).' }),
    organizations: t.field({
      type: [OrganizationRef],
      resolve: (v, _args, ctx) => listMyOrganizations(ctx.services, v),
    }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: ViewerRef,
    authScopes: { loggedIn: true },
    resolve: (_root, _args, ctx) => requireViewer(ctx.viewer),
  }),
);
