import { describe, expect, it } from 'vitest';
import { createHostPolicy, hostnameOf } from '../../server/transport/http/host-policy.js';
import { isLocalRequest, isLoopbackAddress } from '../../server/transport/http/local-request.js';
import { createOriginPolicy } from '../../server/transport/http/origin-policy.js';

// The decisions behind the DNS-rebinding guard and the demo-token rule, on plain values: every address and
// header form, including the ones a test cannot easily produce on a real socket (IPv4-mapped peers).

describe('hostnameOf', () => {
  it.each([
    ['localhost:4000', 'localhost'],
    ['LocalHost', 'localhost'],
    ['[::1]:4000', '[::1]'],
    ['app.example.com.', 'app.example.com'],
    ['127.0.0.1', '127.0.0.1'],
    ['localhost@attacker.example', undefined],
    ['attacker.example/x', undefined],
    ['a b', undefined],
    ['', undefined],
  ])('%s → %s', (host, name) => {
    expect(hostnameOf(host)).toBe(name);
  });
});

describe('createHostPolicy', () => {
  it('always allows localhost and IP literals, a rebinding needs a name', () => {
    const allowed = createHostPolicy([]);
    for (const host of ['localhost:4000', '127.0.0.1:4000', '[::1]:4000', '10.1.2.3', '[fd00::2]:80', undefined])
      expect(allowed(host), String(host)).toBe(true);
    for (const host of [
      'attacker.example:4000',
      'localhost.attacker.example',
      'localhost@attacker.example',
      '127.0.0.1.nip.io',
    ])
      expect(allowed(host), host).toBe(false);
  });

  it('allows listed names, `.domain` with its subdomains, and `*` anything', () => {
    const allowed = createHostPolicy(['app.example.com', '.corp.test']);
    expect(['app.example.com:443', 'APP.example.com', 'corp.test', 'x.y.corp.test'].map(allowed)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['example.com', 'evilcorp.test', 'app.example.com.attacker.example'].map(allowed)).toEqual([
      false,
      false,
      false,
    ]);
    expect(createHostPolicy(['*'])('attacker.example')).toBe(true);
  });
});

describe('createOriginPolicy', () => {
  const policy = createOriginPolicy(undefined, false, createHostPolicy([]));
  it('counts "Origin host = Host" as same-origin only for an allowed Host', () => {
    expect(policy('http://attacker.example:4103', 'attacker.example:4103')).toBe(false);
    expect(policy('http://192.0.2.5:4000', '192.0.2.5:4000')).toBe(true);
    expect(
      createOriginPolicy(
        undefined,
        false,
        createHostPolicy(['attacker.example']),
      )('http://attacker.example:4103', 'attacker.example:4103'),
    ).toBe(true);
  });
  it('keeps the localhost origins of development and clients without Origin', () => {
    expect(policy('http://localhost:5173', '127.0.0.1:4000')).toBe(true);
    expect(policy(undefined, 'attacker.example')).toBe(true);
    expect(
      createOriginPolicy(undefined, true, createHostPolicy(['*']))('http://localhost:5173', 'api.example.com'),
    ).toBe(false);
  });
});

describe('isLocalRequest', () => {
  const req = (remoteAddress: string | undefined, headers: Record<string, string> = {}) =>
    ({ socket: { remoteAddress }, headers }) as never;

  it.each(['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1'])(
    'a loopback peer %s by a loopback name is local',
    (peer) => {
      for (const host of ['localhost:4000', '127.0.0.1:4000', '[::1]:4000'])
        expect(isLocalRequest(req(peer), host), host).toBe(true);
    },
  );

  it.each(['192.0.2.2', '::ffff:192.0.2.2', 'fd00::2', '10.0.0.1', '0.0.0.0', undefined])(
    'a peer %s is never local',
    (peer) => {
      expect(isLocalRequest(req(peer), 'localhost:4000')).toBe(false);
      expect(isLoopbackAddress(peer)).toBe(false);
    },
  );

  it('another name, no Host, a proxy header or no Node request is not local', () => {
    expect(isLocalRequest(req('127.0.0.1'), 'attacker.example:4000')).toBe(false);
    expect(isLocalRequest(req('127.0.0.1'), '192.0.2.2:4000')).toBe(false);
    expect(isLocalRequest(req('127.0.0.1'), undefined)).toBe(false);
    expect(isLocalRequest(req('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' }), 'localhost:4000')).toBe(false);
    expect(isLocalRequest(undefined, 'localhost:4000')).toBe(false);
  });
});
