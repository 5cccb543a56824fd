import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './organization.js';
import './user.js';
import './event.js';

/** The executable schema, assembled from the domain files above. */
export const schema = builder.toSchema({ sortSchema: true });
export const sortedSchema = lexicographicSortSchema(schema);
