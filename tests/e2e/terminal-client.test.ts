import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent } from '../../server/store/repository.js';
import { createStore } from '../../server/store/store.js';
import { gqlOk } from '../support/http.js';
import { until } from '../support/inbox.js';
import { type ServerProcess, run, spawnServer } from '../support/process.js';
import { freePort } from '../support/free-port.js';

// `npm run tail` as a person runs it, across a server restart and a restart of the client itself.
describe('terminal client', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let server: ServerProcess;
  let token: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-tail-'));
    env = { DATA_DIR: dataDir, PORT: String(await freePort()) };
    server = await spawnServer(env);
    token = /Alice Demo \(OWNER\): Authorization: Bearer (\S+)/.exec(server.stdout())![1]!;
  }, 60_000);
  afterAll(async () => {
    if (server.proc.exitCode === null) await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const tail = () =>
    run(
      [
        '--import',
        'tsx',
        'scripts/client.ts',
        'tail',
        '--url',
        server.url,
        '--org',
        'org_demo',
        '--channel',
        'property',
        '--state',
        join(dataDir, 'tail.json'),
      ],
      {
        SWITCHBOARD_TOKEN: token,
      },
    );
  const printed = (t: ReturnType<typeof tail>) =>
    t
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { payload: { n: number } }).payload.n);
  const publish = (n: number) =>
    gqlOk(
      `${server.url}/graphql`,
      'mutation($n: JSON) { publishEvent(input: { orgId: "org_demo", channel: "property", type: "property.update", payload: $n }) { id } }',
      { n: { n } },
      token,
    );

  it('resumes after a server restart and after its own restart, missing nothing and repeating nothing', async () => {
    // Start from the current end of the log (as a previous run would have saved it): nothing published
    // from here on may be missed, whenever the subscription happens to be in place.
    const head = await gqlOk(
      `${server.url}/graphql`,
      '{ events(orgId: "org_demo", first: 500) { pageInfo { endCursor } } }',
      {},
      token,
    );
    writeFileSync(join(dataDir, 'tail.json'), JSON.stringify({ cursor: head.events.pageInfo.endCursor }));
    const first = tail();
    await publish(1);
    await publish(2);
    await until(() => printed(first).length === 2, 'events 1 and 2', 15_000);

    expect(await server.stop()).toBe(0);
    const store = await createStore({ dataDir });
    await store.transaction((tx) =>
      appendEvent(tx, {
        orgId: 'org_demo',
        channel: 'property',
        type: 'property.update',
        subjectId: null,
        payload: { n: 3 },
        actor: { id: 'crm', name: null, isService: true },
      }),
    );
    await store.close();
    server = await spawnServer(env);
    await publish(4);
    await until(() => printed(first).length === 4, 'events 3 and 4 after the restart', 30_000);
    first.proc.kill('SIGINT');
    await first.exited;

    await publish(5); // while no client runs
    const second = tail();
    await until(() => printed(second).length === 1, 'event 5 from the saved cursor', 15_000);
    await publish(6);
    await until(() => printed(second).length === 2, 'event 6', 15_000);
    second.proc.kill('SIGINT');
    await second.exited;
    expect([...printed(first), ...printed(second)]).toEqual([1, 2, 3, 4, 5, 6]);
  }, 90_000);
});
