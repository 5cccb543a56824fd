export {
  type Connection,
  type ConnectionOptions,
  type ConnectionState,
  type Request,
  type Resync,
  type Sink,
  type Transport,
  backoff,
  createConnection,
} from './connection.js';
export { switchboardExchange } from './urql.js';
