import type { Services } from '../context.js';
import * as repo from '../store/repository.js';
import { commitAndPublish } from './publish.js';

export const DEMO_ORG_ID = 'org_demo';
export const DEMO_USERS = [
  { sub: 'alice', name: 'Alice Demo', role: 'OWNER' },
  { sub: 'bob', name: 'Bob Demo', role: 'MEMBER' },
] as const;

/** Local-first start: a demo organization with two demo users, created once and kept on disk. */
export async function seedDemo(services: Services): Promise<void> {
  if (await repo.getOrganization(services.store.db, DEMO_ORG_ID)) return;
  await services.store.transaction(async (tx) => {
    await tx
      .insertInto('organizations')
      .values({ id: DEMO_ORG_ID, name: 'Demo Realty', last_seq: 0, pruned_through: 0, created_at: Date.now() })
      .execute();
    for (const u of DEMO_USERS) {
      await repo.upsertUser(tx, u.sub, u.name);
      await repo.putMembership(tx, DEMO_ORG_ID, u.sub, u.role);
    }
  });
  await commitAndPublish(
    services,
    async () => undefined,
    () => ({
      orgId: DEMO_ORG_ID,
      channel: 'system',
      type: 'system.alert',
      subjectId: null,
      payload: { message: 'Welcome to Switchboard: this demo organization was created on first start.' },
      actor: { id: 'switchboard', name: 'Switchboard', isService: true },
    }),
  );
}
