import { listMyOrganizations } from '../domain/organizations.js';
import { requireViewer } from '../auth/access.js';
import type { Viewer } from '../auth/viewer.js';
import type { Builder } from './builder.js';
import type { OrganizationRefs } from './organization.js';

/** The caller: `Viewer` and `Query.me`. */
export function addUserSchema(builder: Builder, { OrganizationRef }: OrganizationRefs): void {
  const ViewerRef = builder.objectRef<Viewer>('Viewer').implement({
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
}
