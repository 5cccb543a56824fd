import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';
import { DEFAULT_TUNING, configuredTuning } from '../../server/tuning.js';

describe('configuration', () => {
  it('runs on embedded defaults with nothing set', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 4000,
      dataDir: './data',
      env: 'development',
      auth: { kind: 'generated' },
      demo: true,
      graphiql: true,
    });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redis).toBeUndefined();
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', REDIS_URL: 'http://x', AUTH_JWT_SECRET: 'short' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'DATABASE_URL', 'REDIS_URL', 'AUTH_JWT_SECRET']) expect(problems).toContain(name);
    }
  });

  it("lists what the app's hooks miss: the secret that signs them, the guarded channels, the endpoint", () => {
    try {
      loadConfig({
        AUTH_CONNECT_URL: 'not a url',
        AUTH_SUBSCRIBE_URL: 'http://app/subscribe',
        AUTH_HOOK_TIMEOUT: '1h',
      });
      expect.unreachable();
    } catch (err) {
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toContain('AUTH_CONNECT_URL');
      expect(problems).toContain('AUTH_HOOK_SECRET: required with AUTH_CONNECT_URL or AUTH_SUBSCRIBE_URL');
      expect(problems).toContain('AUTH_SUBSCRIBE_URL: name the channels it authorizes in AUTH_GUARDED_CHANNELS');
      expect(problems).toContain('AUTH_HOOK_TIMEOUT: must be between 100ms and 30s');
    }
    expect(() => loadConfig({ AUTH_GUARDED_CHANNELS: 'room' })).toThrow(
      /AUTH_GUARDED_CHANNELS: needs AUTH_SUBSCRIBE_URL/,
    );
    const c = loadConfig({
      AUTH_CONNECT_URL: 'http://app/connect',
      AUTH_HOOK_SECRET: 'x'.repeat(32),
      AUTH_GUARDED_CHANNELS: '',
    });
    expect(c.hooks).toMatchObject({ connectUrl: 'http://app/connect', timeoutMs: 2_000, guardedChannels: [] });
  });

  it("lists what is wrong with the outbox's settings", () => {
    try {
      loadConfig({ OUTBOX_DATABASE_URL: 'mysql://app', OUTBOX_TABLE: 'Outbox; drop table x', OUTBOX_POLL: '5ms' });
      expect.unreachable();
    } catch (err) {
      const problems = (err as ConfigError).problems.join('\n');
      for (const name of ['OUTBOX_DATABASE_URL', 'OUTBOX_TABLE', 'OUTBOX_POLL']) expect(problems).toContain(name);
    }
    expect(loadConfig({ OUTBOX_DATABASE_URL: 'postgres://app/db' }).outbox).toEqual({
      databaseUrl: 'postgres://app/db',
      table: 'switchboard_outbox',
      pollMs: 5_000,
    });
  });

  it('lists what is wrong with the captured tables', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return '';
      } catch (err) {
        return (err as ConfigError).problems.join('\n');
      }
    };
    const url = { CDC_DATABASE_URL: 'postgres://app/db' };
    expect(problems(url)).toContain('CDC_TABLES: required with CDC_DATABASE_URL');
    expect(problems({ ...url, CDC_TABLES: '[{' })).toContain('CDC_TABLES: not JSON');
    expect(problems({ ...url, CDC_TABLES: '[{"table":"x; drop","orgColumn":"org","columns":[]}]' })).toMatch(
      /CDC_TABLES\[0\.table\][\s\S]*CDC_TABLES\[0\.columns\]: name the columns events carry/,
    );
    const c = loadConfig({ ...url, CDC_TABLES: '[{"table":"properties","orgColumn":"org_id","columns":["id"]}]' });
    expect(c.changeCapture).toMatchObject({
      slot: 'switchboard',
      publication: 'switchboard',
      tables: [{ table: 'properties' }],
    });
  });

  it('refuses production without a secret or JWKS', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/production needs AUTH_JWT_SECRET or AUTH_JWKS_URL/);
  });

  it('selects PostgreSQL, Redis and a JWKS issuer when configured', () => {
    const c = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db/switchboard',
      REDIS_URL: 'redis://cache:6379',
      AUTH_JWKS_URL: 'https://id.example.com/.well-known/jwks.json',
      AUTH_ISSUER: 'https://id.example.com/',
      CORS_ORIGINS: 'https://app.example.com, https://admin.example.com',
    });
    expect(c).toMatchObject({
      databaseUrl: 'postgres://db/switchboard',
      redis: { url: 'redis://cache:6379' },
      auth: { kind: 'jwks', issuer: 'https://id.example.com/' },
      corsOrigins: ['https://app.example.com', 'https://admin.example.com'],
      demo: false,
      graphiql: false,
    });
  });

  it('listens on 127.0.0.1 outside production and on every interface in production, unless HOST says', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'x'.repeat(32) }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('allows no extra Host names outside production and any in production, unless ALLOWED_HOSTS says', () => {
    expect(loadConfig({}).allowedHosts).toEqual([]);
    expect(loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'x'.repeat(32) }).allowedHosts).toEqual(['*']);
    expect(loadConfig({ ALLOWED_HOSTS: ' app.example.com, .corp.test ,[fd00::2], *' }).allowedHosts).toEqual([
      'app.example.com',
      '.corp.test',
      '[fd00::2]',
      '*',
    ]);
    expect(
      loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'x'.repeat(32), ALLOWED_HOSTS: 'api.example.com' })
        .allowedHosts,
    ).toEqual(['api.example.com']);
  });

  it('lists every malformed ALLOWED_HOSTS entry with the other problems', () => {
    try {
      loadConfig({ ALLOWED_HOSTS: 'ok.example.com, https://app.example.com, app.example.com:443', PORT: 'x' });
      expect.unreachable();
    } catch (err) {
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toContain('PORT');
      expect(problems).toContain('ALLOWED_HOSTS: "https://app.example.com" is not a host name');
      expect(problems).toContain('"app.example.com:443" is not a host name');
      expect(problems).not.toContain('"ok.example.com"');
    }
  });

  it('reads one Redis server, a Sentinel group or a Cluster from REDIS_URL', () => {
    expect(loadConfig({ REDIS_URL: 'redis://cache:6379/2' }).redis?.topology).toEqual({
      kind: 'single',
      url: 'redis://cache:6379/2',
    });
    expect(loadConfig({ REDIS_URL: 'redis+sentinel://:s%40cret@10.0.0.1:26379,[::1]:26380/main/3' }).redis).toEqual({
      url: 'redis+sentinel://:s%40cret@10.0.0.1:26379,[::1]:26380/main/3',
      prefix: 'switchboard:',
      topology: {
        kind: 'sentinel',
        sentinels: [
          { host: '10.0.0.1', port: 26379 },
          { host: '::1', port: 26380 },
        ],
        name: 'main',
        db: 3,
        username: undefined,
        password: 's@cret',
        tls: false,
      },
    });
    expect(loadConfig({ REDIS_URL: 'rediss+cluster://app:pw@r1:7000, r2:7001' }).redis?.topology).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'r1', port: 7000 },
        { host: 'r2', port: 7001 },
      ],
      username: 'app',
      password: 'pw',
      tls: true,
    });
  });

  it.each([
    ['http://cache:6379', 'REDIS_URL: must be redis://host:port (one server), redis+sentinel://'],
    ['redis+sentinel://s1:26379,s2:26379', "REDIS_URL: needs the primary's name as Sentinel knows it"],
    ['redis+sentinel://s1:26379,s2/main', 'REDIS_URL: "s2" is not host:port'],
    ['redis+sentinel://s1:26379/main/x', 'REDIS_URL: may end with a database number after the name'],
    ['redis+cluster://r1:7000,r2:99999', 'REDIS_URL: "r2:99999" is not host:port'],
    ['redis+cluster://r1:7000/1', 'REDIS_URL: takes no path: a cluster has only database 0'],
    ['redis+cluster://', 'REDIS_URL: names no host: write redis+cluster://host:6379,host:6379'],
    ['redis+cluster://r1:7000?tls=1', 'REDIS_URL: takes no query or fragment'],
  ])('refuses REDIS_URL=%s with a clear reason', (url, problem) => {
    expect(() => loadConfig({ REDIS_URL: url })).toThrow(problem);
  });

  it('lists a Redis Cluster problem with the others: a prefix that would move the hash tag', () => {
    try {
      loadConfig({ REDIS_URL: 'redis+cluster://r1:7000', REDIS_PREFIX: '{app}:', PORT: 'x' });
      expect.unreachable();
    } catch (err) {
      const problems = (err as ConfigError).problems;
      expect(problems).toContain(
        'REDIS_PREFIX: must not contain { or } with a Redis Cluster (keys are placed by their {hash tag})',
      );
      expect(problems.join('\n')).toContain('PORT');
    }
    expect(loadConfig({ REDIS_URL: 'redis://r1:6379', REDIS_PREFIX: '{app}:' }).redis?.prefix).toBe('{app}:');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ REDIS_URL: '', DATABASE_URL: '' }).redis).toBeUndefined();
  });

  it('defaults token rules and the issue-11 limits: 30-day tokens that must expire, 500 anonymous sockets, 8 MiB, 20 organizations', () => {
    const c = loadConfig({});
    expect(c.auth).toMatchObject({ maxLifetimeMs: 30 * 86_400_000, allowNoExp: false });
    expect(c.limits).toMatchObject({
      anonymousConnections: 500,
      responseBytes: undefined,
      organizationsPerUser: undefined,
    });
    expect({ ...DEFAULT_TUNING, ...configuredTuning(c) }).toMatchObject({
      maxResponseBytes: 8 * 1024 * 1024,
      maxOrganizationsPerUser: 20,
      maxPendingBytes: 4 * 1024 * 1024,
    });
  });

  it('reads token rules and limits from the environment', () => {
    const c = loadConfig({
      AUTH_MAX_TOKEN_LIFETIME: '12h',
      AUTH_ALLOW_NO_EXP: 'true',
      LIMIT_ANONYMOUS_CONNECTIONS: '0',
      LIMIT_RESPONSE_BYTES: '1048576',
      LIMIT_ORGANIZATIONS_PER_USER: '3',
      LIMIT_BUFFERED_BYTES_PER_CONNECTION: '2097152',
      LIMIT_API_KEY_EVENTS_PER_SECOND: '250',
    });
    expect(c.auth).toMatchObject({ kind: 'generated', maxLifetimeMs: 12 * 3_600_000, allowNoExp: true });
    expect(c.limits).toMatchObject({
      anonymousConnections: 0,
      responseBytes: 1_048_576,
      organizationsPerUser: 3,
      apiKeyEventsPerSecond: 250,
    });
    expect(loadConfig({}).limits.apiKeyEventsPerSecond).toBe(1_000);
    expect(configuredTuning(c)).toEqual({
      maxResponseBytes: 1_048_576,
      maxOrganizationsPerUser: 3,
      maxPendingBytes: 2_097_152,
    });
  });

  it('lists every bad token rule and limit at once', () => {
    try {
      loadConfig({
        AUTH_MAX_TOKEN_LIFETIME: 'forever',
        AUTH_ALLOW_NO_EXP: 'maybe',
        LIMIT_ANONYMOUS_CONNECTIONS: '-1',
        LIMIT_RESPONSE_BYTES: '1000',
        LIMIT_ORGANIZATIONS_PER_USER: '0',
        LIMIT_BUFFERED_BYTES_PER_CONNECTION: '10',
        LIMIT_API_KEY_EVENTS_PER_SECOND: '0',
      });
      expect.unreachable();
    } catch (err) {
      const problems = (err as ConfigError).problems.join('\n');
      for (const name of [
        'AUTH_MAX_TOKEN_LIFETIME',
        'AUTH_ALLOW_NO_EXP',
        'LIMIT_ANONYMOUS_CONNECTIONS',
        'LIMIT_RESPONSE_BYTES',
        'LIMIT_ORGANIZATIONS_PER_USER',
        'LIMIT_BUFFERED_BYTES_PER_CONNECTION',
        'LIMIT_API_KEY_EVENTS_PER_SECOND',
      ]) {
        expect(problems).toContain(name);
      }
      expect(problems).toContain('must be a duration like 90s, 30m, 12h or 7d');
      expect(problems).toContain('at least 65536');
    }
    expect(() => loadConfig({ AUTH_MAX_TOKEN_LIFETIME: '30s' })).toThrow(
      /AUTH_MAX_TOKEN_LIFETIME: must be at least 1m/,
    );
  });
});
