import type { Role } from '../store/types.js';

const RANK: Record<Role, number> = { VIEWER: 0, MEMBER: 1, ADMIN: 2, OWNER: 3 };

/** OWNER > ADMIN > MEMBER > VIEWER. */
export const roleAtLeast = (role: Role, min: Role) => RANK[role] >= RANK[min];
