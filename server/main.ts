import { createApp } from './app.js';
import { defaultTokenLifetimeS, formatDuration } from './auth/tokens.js';
import { ConfigError, type Config, loadConfig } from './config.js';
import { createLogger } from './logger.js';

/** Entry only: config → createApp → start; signals → stop; start-up failure → exit 1. */
async function main() {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const app = await createApp(config, { logger: log });
  const url = await app.start();
  printBanner(url, app.demoTokens, config);
  const pubsub = config.redis ? `redis ${config.redis.topology.kind}` : 'memory';
  log.info({ url, store: app.services.store.kind, pubsub }, 'switchboard started');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await app.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

function printBanner(
  url: string,
  demoTokens: { sub: string; name: string; role: string; token: string }[],
  config: Config,
) {
  const lines = [
    '',
    `  Switchboard is running`,
    `  GraphiQL      ${url}/graphql`,
    `  graphql-ws    ${url.replace(/^http/, 'ws')}/graphql`,
    `  SSE           ${url}/graphql (Accept: text/event-stream), single connection ${url}/graphql/stream`,
    `  Health        ${url}/health   Ready ${url}/ready`,
  ];
  if (['127.0.0.1', 'localhost', '::1'].includes(config.host))
    lines.push('  Listening on this machine only; HOST=0.0.0.0 serves the network.');
  if (demoTokens.length > 0) {
    const lifetime = formatDuration(defaultTokenLifetimeS(config.auth));
    lines.push(
      '',
      `  Demo organization "org_demo" (local development; tokens valid ${lifetime}; the dashboard and GraphiQL offer them to this machine only):`,
    );
    for (const t of demoTokens) lines.push(`  ${t.name} (${t.role}): Authorization: Bearer ${t.token}`);
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`Switchboard failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
