/**
 * The multi-tenant baseline most apps reach for: Socket.IO rooms, WebSocket transport only, default options
 * otherwise (its heartbeat included). A client names its rooms in the handshake query (`rooms=a,b`); a
 * publish (rooms-publish.ts) is `io.to(room).emit(...)`. Run by scripts/bench/tenants.ts.
 */
import { Server } from 'socket.io';
import { createPublishServer, listen } from './rooms-publish.js';

const server = createPublishServer((room, message) => io.to(room).emit('next', message));
const io = new Server(server, { transports: ['websocket'], serveClient: false });
io.on('connection', (socket) => {
  const rooms = socket.handshake.query.rooms;
  if (typeof rooms === 'string' && rooms) void socket.join(rooms.split(','));
});
listen(server);
