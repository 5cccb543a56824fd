import { builder } from './builder.js';
import './organization.js';
import './user.js';
import './event.js';
import './publish-batch.js';
import './api-key.js';
import './notification.js';
import './session.js';
import './presence.js';
import './server.js';

/** The executable schema, assembled from the domain files above (types and fields sorted). */
export const schema = builder.toSchema({ sortSchema: true });
