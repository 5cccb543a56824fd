import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { type IncomingHttpHeaders, request } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logger.js';
import { gqlOk, rawHttp } from '../support/http.js';
import { type TestServer, startServer, token } from '../support/server.js';

// The dashboard's static files, from a temporary web/dist beside a sibling folder whose name starts the same
// way (web/dist-old): what a plain string-prefix containment check let out.
const SECRET = '{"secret":"must never be served"}';
const BIG_JS = Array.from({ length: 2000 }, (_, i) => `export const value${i} = "${'x'.repeat(20)}";`).join('\n');

/** GET with the raw bytes of the answer (fetch would decompress them). */
function getBytes(url: string, path: string, headers: Record<string, string>) {
  const { hostname, port } = new URL(url);
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = request({ host: hostname, port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static files of the dashboard', () => {
  let dir: string;
  let server: TestServer;
  const lines: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-static-'));
    const dist = join(dir, 'web', 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>INDEX</title>');
    writeFileSync(join(dist, 'assets', 'app.js'), 'console.log("app")');
    writeFileSync(join(dist, 'assets', 'big.js'), BIG_JS);
    mkdirSync(join(dir, 'web', 'dist-old'));
    writeFileSync(join(dir, 'web', 'dist-old', 'secrets.json'), SECRET);
    writeFileSync(join(dir, 'web', 'secrets.json'), SECRET);
    const logger = createLogger('debug', { write: (line: string) => void lines.push(JSON.parse(line)) });
    server = await startServer({ webDir: dist, logger });
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string) => rawHttp(server.url, path);

  it('compresses pages and assets for browsers that accept it, once, with an ETag; never event streams', async () => {
    const brotli = await getBytes(server.url, '/assets/big.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(brotli.headers).toMatchObject({
      'content-encoding': 'br',
      vary: expect.stringContaining('accept-encoding'),
    });
    expect(brotliDecompressSync(brotli.body).toString()).toBe(BIG_JS);
    expect(brotli.body.byteLength).toBeLessThan(BIG_JS.length / 10);
    const gzip = await getBytes(server.url, '/assets/big.js', { 'accept-encoding': 'gzip;q=1, br;q=0' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).toString()).toBe(BIG_JS);
    const plain = await getBytes(server.url, '/assets/big.js', {});
    expect([plain.headers['content-encoding'], plain.body.toString()]).toEqual([undefined, BIG_JS]);
    const again = await getBytes(server.url, '/assets/big.js', { 'if-none-match': String(plain.headers.etag) });
    expect([again.status, again.body.byteLength]).toEqual([304, 0]);

    // GraphiQL, the heaviest page.
    const page = await getBytes(server.url, '/graphql', { accept: 'text/html', 'accept-encoding': 'br' });
    expect(page.headers['content-encoding']).toBe('br');
    const html = brotliDecompressSync(page.body).toString();
    expect(html).toContain('Switchboard GraphiQL');
    expect(page.body.byteLength).toBeLessThan(html.length / 3);
    // An event stream is written as it comes, never compressed.
    const stream = await fetch(`${server.graphqlUrl}?query=${encodeURIComponent('subscription { __typename }')}`, {
      headers: { accept: 'text/event-stream', 'accept-encoding': 'br, gzip' },
    });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect([null, 'none']).toContain(stream.headers.get('content-encoding'));
    await stream.body?.cancel();
  });

  it('serves files inside the folder, and index.html for client-side routes', async () => {
    expect(await get('/assets/app.js')).toMatchObject({
      status: 200,
      body: 'console.log("app")',
      headers: { 'cache-control': expect.stringContaining('immutable') },
    });
    expect(await get('/')).toMatchObject({ status: 200, body: expect.stringContaining('INDEX') });
    expect(await get('/orgs/org_1/events')).toMatchObject({ status: 200, body: expect.stringContaining('INDEX') });
  });

  it.each([
    ['/..%2fdist-old%2fsecrets.json', 404],
    ['/..%2Fdist-old%2Fsecrets.json', 404],
    ['/%2e%2e%2fdist-old%2fsecrets.json', 404],
    ['/assets/..%2f..%2fdist-old%2fsecrets.json', 404],
    ['/..%2fsecrets.json', 404],
    ['/..%5cdist-old%5csecrets.json', 400],
    ['/..%5Csecrets.json', 400],
    ['/..%2fdist-old%2fsecrets.json%00.js', 400],
    ['/index.html%00', 400],
  ])('refuses %s (%i) and never serves a file outside the folder', async (path, status) => {
    const res = await get(path);
    expect(res.status).toBe(status);
    expect(res.body).not.toContain('secret');
  });

  it.each([
    '/../dist-old/secrets.json',
    '/..\\dist-old\\secrets.json',
    '/assets/../../dist-old/secrets.json',
    '/..%252fdist-old%252fsecrets.json',
  ])(
    'serves %s from inside the folder only (the URL parser resolves dot segments and backslashes first)',
    async (path) => {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.body).toContain('INDEX');
      expect(res.body).not.toContain('secret');
    },
  );

  it('answers a malformed percent-encoding with 400, logs no error, and keeps serving', async () => {
    const before = lines.length;
    for (const path of ['/%E0%A4%A', '/%', '/assets/%zz.js']) {
      const res = await get(path);
      expect(res).toMatchObject({ status: 400, body: expect.stringContaining('invalid percent-encoding') });
    }
    expect((await get('/assets/app.js')).status).toBe(200);
    expect((await gqlOk(server.graphqlUrl, '{ me { id } }', {}, await token('alice'))).me.id).toBe('alice');
    const logged = lines.slice(before);
    expect(logged.filter((l) => Number(l.level) >= 40)).toEqual([]);
    expect(JSON.stringify(logged)).not.toContain('stack');
  });
});
