import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetworkTrust, networkDifferences } from '../viewer/networks.js';

const KEY_A = 'a'.repeat(43);
const KEY_B = 'b'.repeat(43);

function devnet() {
  return {
    format: 'cachet-network/1',
    ledger: { url: 'http://127.0.0.1:4000', ledgerId: 'cachet-devnet', sequencerKey: KEY_A, genesisDigest: '0x' + '11'.repeat(32) },
    keyServers: {
      threshold: 2,
      servers: [
        { id: 'ks-1', url: 'http://127.0.0.1:4001', signingKey: KEY_A },
        { id: 'ks-2', url: 'http://127.0.0.1:4002', signingKey: KEY_A },
        { id: 'ks-3', url: 'http://127.0.0.1:4003', signingKey: KEY_A },
      ],
    },
    storage: { publisher: 'http://127.0.0.1:4010', aggregator: 'http://127.0.0.1:4010', epochs: 5 },
  };
}

test('the same network, written differently where it does not matter, has no differences', () => {
  const theirs = devnet();
  theirs.ledger.url += '/';
  theirs.keyServers.servers.reverse();
  theirs.storage.epochs = 50;
  assert.deepEqual(networkDifferences(devnet(), theirs), []);
});

test('a swapped key server signing key is named, shortened, with both values', () => {
  const theirs = devnet();
  theirs.keyServers.servers[1].signingKey = KEY_B;
  assert.deepEqual(networkDifferences(devnet(), theirs),
    [`key server ks-2 signingKey: yours is ${'a'.repeat(12)}…, the token's ${'b'.repeat(12)}…`]);
});

test('every trust anchor and address the CLI compares is compared', () => {
  const theirs = devnet();
  theirs.ledger.url = 'http://evil.example';
  theirs.ledger.ledgerId = 'elsewhere';
  theirs.ledger.sequencerKey = KEY_B;
  theirs.ledger.genesisDigest = '0x' + '22'.repeat(32);
  theirs.keyServers.threshold = 1;
  theirs.keyServers.servers[0].url = 'http://evil.example/ks-1';
  theirs.keyServers.servers.pop();
  theirs.keyServers.servers.push({ id: 'ks-9', url: 'http://evil.example/ks-9', signingKey: KEY_B });
  theirs.storage.publisher = 'http://evil.example/p';
  theirs.storage.aggregator = 'http://evil.example/a';
  const d = networkDifferences(devnet(), theirs);
  assert.deepEqual(d, [
    'ledger.url: yours is http://127.0.0.1:4000, the token\'s http://evil.example',
    'ledger.ledgerId: yours is cachet-devnet, the token\'s elsewhere',
    `ledger.sequencerKey: yours is ${'a'.repeat(12)}…, the token's ${'b'.repeat(12)}…`,
    `ledger.genesisDigest: yours is 0x${'11'.repeat(32)}, the token's 0x${'22'.repeat(32)}`,
    'keyServers.threshold: yours is 2, the token\'s 1',
    'key server ks-3 is yours, not the token\'s',
    'key server ks-1 url: yours is http://127.0.0.1:4001, the token\'s http://evil.example/ks-1',
    'key server ks-9 is the token\'s, not yours',
    'storage.publisher: yours is http://127.0.0.1:4010, the token\'s http://evil.example/p',
    'storage.aggregator: yours is http://127.0.0.1:4010, the token\'s http://evil.example/a',
  ]);
});

test('a genesis digest missing on one side is not a difference (the CLI pins it only when both do)', () => {
  const theirs = devnet();
  delete theirs.ledger.genesisDigest;
  assert.deepEqual(networkDifferences(devnet(), theirs), []);
});

test('an EVM chain against an embedded ledger is named as the chain differing', () => {
  const theirs = devnet();
  theirs.chain = { kind: 'evm', rpcUrl: 'http://127.0.0.1:8545', chainId: 31337, policies: '0x' + 'ab'.repeat(20), blobRegistry: '0x' + 'cd'.repeat(20) };
  const d = networkDifferences(devnet(), theirs);
  assert.equal(d[0], 'chain: yours is embedded, the token\'s evm http://127.0.0.1:8545 chain 31337 confirmations 0');
});

test('two EVM chains differing only in the policy contract name it, whatever its letter case', () => {
  const mine = { ...devnet(), chain: { kind: 'evm', rpcUrl: 'http://r', chainId: 1, policies: '0x' + 'AB'.repeat(20), blobRegistry: '0x' + 'cd'.repeat(20) } };
  const same = { ...mine, chain: { ...mine.chain, policies: '0x' + 'ab'.repeat(20) } };
  assert.deepEqual(networkDifferences(mine, same), []);
  const other = { ...mine, chain: { ...mine.chain, policies: '0x' + 'ef'.repeat(20) } };
  assert.deepEqual(networkDifferences(mine, other), [`chain.policies: yours is 0x${'ab'.repeat(20)}, the token's 0x${'ef'.repeat(20)}`]);
});

test('a token whose network is not an object at all differs in everything, without throwing', () => {
  const d = networkDifferences(devnet(), null);
  assert.ok(d.length >= 5);
  assert.ok(d.includes('ledger.ledgerId: yours is cachet-devnet, the token\'s none'));
});

test('trusting a token\'s network holds for that token only, cleared by a new token, and never for a fragment-driven open', () => {
  const trust = new NetworkTrust();
  assert.equal(trust.allows('cachet1.A'), false, 'nothing is trusted before the box is ticked');
  trust.ticked(' cachet1.A\n');
  assert.equal(trust.allows('cachet1.A'), true);
  assert.equal(trust.allows('cachet1.B'), false, 'another token is not trusted by the same tick');
  assert.equal(trust.allows('cachet1.A', { fromFragment: true }), false, 'a fragment never opens on another network by itself');
  trust.cleared();
  assert.equal(trust.allows('cachet1.A'), false, 'a new token clears the box');
});
