import { randomUUID } from 'node:crypto';

/** Opaque random ids with a type prefix: `org_…`, `evt_…`, `ntf_…`. */
export const newId = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '')}`;
