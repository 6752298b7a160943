// A session's freshness around its signature: the start is taken just before the identity signs,
// and a session whose signature took most of its life (a wallet prompt left waiting) is refused
// with SESSION_STALE rather than sent to the key servers to be answered SESSION_EXPIRED.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../src/network.js';
import { base64Url } from '../src/codec.js';
import { KeyFetcher } from '../src/protocol/keyFetcher.js';
import { Eip712SessionCertificate, Session } from '../src/protocol/session.js';

const addressBytes = new Uint8Array(32).fill(7, 12);

/** A wallet stand-in whose owner takes `promptMillis` (of the virtual clock) to approve. */
function slowWallet(clock, promptMillis) {
  const seen = [];
  return {
    seen,
    scheme: 'eip712',
    async certify(f) {
      seen.push(f.createdAtMillis);
      await new Promise((r) => setTimeout(r, 5));
      clock.now += promptMillis;
      return new Eip712SessionCertificate({ ...f, chainId: 1, addressBytes, address: '0x' + '07'.repeat(20), signature: new Uint8Array(65) });
    },
  };
}

function virtualClock(start = 1_800_000_000_000) {
  const clock = { now: start };
  clock.read = () => clock.now;
  return clock;
}

test('a session is stamped just before its prompt, and one signed in time is fresh on return', async () => {
  const clock = virtualClock();
  const wallet = slowWallet(clock, 100);
  const session = await Session.create(wallet, ['ks-1'], { ttlSeconds: 1, clock: clock.read });
  assert.equal(session.certificate.createdAtMillis, 1_800_000_000_000);
  assert.deepEqual(wallet.seen, [1_800_000_000_000]);
  assert.equal(session.isFresh(clock.now), true);
});

test('a wallet that took most of the session\'s life to sign: SESSION_STALE, no session returned', async () => {
  const clock = virtualClock();
  await assert.rejects(Session.create(slowWallet(clock, 900), ['ks-1'], { ttlSeconds: 1, clock: clock.read }), (e) =>
    e.code === 'SESSION_STALE' && /sign the new prompt/.test(e.message));
});

test('a key fetcher checks the session it waited for: a prompt that outlived a fifth of the ttl is refused, not sent', async () => {
  const network = Network.fromDescriptor({
    format: 'cachet-network/1',
    ledger: { url: 'http://127.0.0.1:7300', ledgerId: 'cachet-devnet', sequencerKey: base64Url(new Uint8Array(32).fill(1)), genesisDigest: '0x' + 'ab'.repeat(32) },
    keyServers: { threshold: 1, servers: [{ id: 'ks-1', url: 'http://127.0.0.1:7400', signingKey: base64Url(new Uint8Array(32).fill(1)) }] },
    storage: { publisher: 'http://127.0.0.1:7500', aggregator: 'http://127.0.0.1:7500', epochs: 2 },
  });
  const clock = virtualClock();
  // the default ttl is 600 s; an owner who takes 500 s leaves less than a fifth
  const wallet = slowWallet(clock, 500_000);
  const fetcher = new KeyFetcher(network, wallet);
  const [a, b] = await Promise.allSettled([fetcher.session({ clock: clock.read }), fetcher.session({ clock: clock.read })]);
  assert.equal(a.reason?.code, 'SESSION_STALE');
  assert.equal(b.reason?.code, 'SESSION_STALE');
  assert.equal(wallet.seen.length, 1, 'one prompt, not a loop of them');
});
