import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

const BIN = '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL of the test's own with `wal_level=logical` (the machine's shared one has `replica`): `initdb` and
 * `pg_ctl` from the installed binaries, as the `postgres` OS user (they refuse root), on a free port, its socket
 * and data in a temporary directory removed by `stop()`.
 */
export async function startPrivatePostgres(): Promise<{ url: string; restart: () => void; stop: () => void }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-pg-'));
  const data = join(dir, 'data');
  const asPostgres = (cmd: string, args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', join(BIN, cmd), ...args], { stdio: 'pipe' });
  const postgresUid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const postgresGid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  chownSync(dir, postgresUid, postgresGid);
  asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  writeFileSync(
    join(data, 'postgresql.auto.conf'),
    [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      'wal_level = logical',
      'max_replication_slots = 8',
      'max_wal_senders = 8',
      'fsync = off',
      '',
    ].join('\n'),
  );
  chownSync(join(data, 'postgresql.auto.conf'), postgresUid, postgresGid);
  const start = () => asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    /** Stops it the hard way (every connection dropped, as in a crash) and starts it again. */
    restart() {
      asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      start();
    },
    stop() {
      try {
        asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
