/**
 * What REDIS_URL names: one Redis, a Sentinel group, or a Cluster. Parsed once at boot (config.ts), with
 * every problem described; the clients are built from it in realtime/redis-connections.ts.
 *
 *   redis://[user:password@]host:port[/db]                one server (rediss:// for TLS)
 *   redis+sentinel://[user:password@]h1:p1,h2:p2/name[/db]  the sentinels and the primary's name
 *   redis+cluster://[user:password@]h1:p1,h2:p2           any of the cluster's nodes (seeds)
 *
 * `rediss+sentinel://` and `rediss+cluster://` connect to the Redis nodes over TLS. The user and password
 * are the Redis nodes'; sentinels are asked without a password.
 */
export interface RedisNode {
  host: string;
  port: number;
}

export interface RedisAuth {
  username?: string;
  password?: string;
  tls: boolean;
}

export type RedisTopology =
  | { kind: 'single'; url: string }
  | ({ kind: 'sentinel'; sentinels: RedisNode[]; name: string; db: number } & RedisAuth)
  | ({ kind: 'cluster'; nodes: RedisNode[] } & RedisAuth);

const SENTINEL_FORM = 'redis+sentinel://host:26379,host:26379/primary-name';
const CLUSTER_FORM = 'redis+cluster://host:6379,host:6379';

/** The topology of a REDIS_URL, or the problems with it (each a sentence saying what was expected). */
export function parseRedisUrl(raw: string): { topology?: RedisTopology; problems: string[] } {
  const scheme = /^([a-z+]+):\/\//.exec(raw)?.[1];
  if (scheme === 'redis' || scheme === 'rediss') return { topology: { kind: 'single', url: raw }, problems: [] };
  if (
    scheme !== 'redis+sentinel' &&
    scheme !== 'rediss+sentinel' &&
    scheme !== 'redis+cluster' &&
    scheme !== 'rediss+cluster'
  )
    return {
      problems: [`must be redis://host:port (one server), ${SENTINEL_FORM} or ${CLUSTER_FORM}`],
    };
  const sentinel = scheme.endsWith('sentinel');
  const form = sentinel ? SENTINEL_FORM : CLUSTER_FORM;
  const rest = raw.slice(scheme.length + 3);
  const at = rest.lastIndexOf('@', rest.indexOf('/') === -1 ? undefined : rest.indexOf('/'));
  const userinfo = at === -1 ? '' : rest.slice(0, at);
  const [hostList = '', ...path] = rest.slice(at + 1).split('/');
  const problems: string[] = [];
  const nodes = hostList ? hostList.split(',').map((entry) => parseNode(entry.trim(), problems)) : [];
  if (nodes.length === 0) problems.push(`names no host: write ${form}`);
  if (/[?#]/.test(rest)) problems.push(`takes no query or fragment: write ${form}`);
  const auth = parseUserinfo(userinfo, scheme.startsWith('rediss'));
  const valid = nodes.filter((n): n is RedisNode => n !== undefined);
  if (sentinel) {
    const [name = '', db = '', ...extra] = path;
    if (!/^[A-Za-z0-9._-]+$/.test(name))
      problems.push(`needs the primary's name as Sentinel knows it (letters, digits, . _ -): write ${form}`);
    if (!/^\d{0,2}$/.test(db) || extra.length > 0)
      problems.push(`may end with a database number after the name (/mymaster/2) and nothing else`);
    if (problems.length > 0) return { problems };
    return { topology: { kind: 'sentinel', sentinels: valid, name, db: Number(db), ...auth }, problems };
  }
  if (path.some((p) => p !== '')) problems.push(`takes no path: a cluster has only database 0 (write ${form})`);
  if (problems.length > 0) return { problems };
  return { topology: { kind: 'cluster', nodes: valid, ...auth }, problems };
}

function parseNode(entry: string, problems: string[]): RedisNode | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(entry);
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) {
    problems.push(`"${entry.slice(0, 100)}" is not host:port (every node needs its port, e.g. 10.0.0.5:26379)`);
    return undefined;
  }
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

function parseUserinfo(userinfo: string, tls: boolean): RedisAuth {
  if (!userinfo) return { tls };
  const i = userinfo.indexOf(':');
  const username = decode(i === -1 ? userinfo : userinfo.slice(0, i));
  const password = i === -1 ? undefined : decode(userinfo.slice(i + 1));
  return { username: username || undefined, password, tls };
}

/** Percent-decoding that keeps a malformed escape as written (the server then refuses the password). */
function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
