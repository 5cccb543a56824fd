import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev:web` serves the dashboard with hot reload and proxies the API (HTTP and WebSocket) to the
// server on :4000; `npm run build:web` writes web/dist, which `npm start` serves at /.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  // 127.0.0.1, not localhost: the server listens there by default, and localhost may resolve to ::1 first.
  server: { proxy: { '/graphql': { target: 'http://127.0.0.1:4000', ws: true }, '/dev': 'http://127.0.0.1:4000' } },
});
