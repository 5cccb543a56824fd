import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';

describe('configuration', () => {
  it('runs on embedded defaults with nothing set', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 4000, dataDir: './data', env: 'development', auth: { kind: 'generated' }, demo: true, graphiql: true });
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

  it('treats empty variables as unset', () => {
    expect(loadConfig({ REDIS_URL: '', DATABASE_URL: '' }).redis).toBeUndefined();
  });
});
