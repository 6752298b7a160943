// The height a key fetch signs on an EVM chain: eth_blockNumber from the descriptor's RPC URL less its
// confirmations, read from a loopback JSON-RPC stand-in; 0 for every answer that is not a block number.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { base64Url } from '../src/codec.js';
import { Network } from '../src/network.js';
import { MAX_HEAD_ANSWER_BYTES, readConfirmedHead } from '../src/protocol/evmHead.js';
import { KeyFetcher } from '../src/protocol/keyFetcher.js';

const servers = [];
after(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

/** A JSON-RPC stand-in answering every POST with `answer(request)`: {status, body} or a body to send as JSON. */
function rpc(answer, seen = []) {
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const request = { method: req.method, contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
    seen.push(request);
    const a = await answer(request);
    const status = a?.status ?? 200;
    const body = a?.raw ?? JSON.stringify(a?.status ? a.body : a);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}/rpc`)));
}

const blockNumber = (hex) => (r) => ({ jsonrpc: '2.0', id: r.body.id, result: hex });

function chain(rpcUrl, confirmations = 0) {
  return { rpcUrl, confirmations };
}

test('the head is eth_blockNumber less the confirmations, asked as a JSON-RPC POST', async () => {
  const seen = [];
  const url = await rpc(blockNumber('0x1f4'), seen);
  assert.equal(await readConfirmedHead(chain(url)), 500);
  assert.equal(await readConfirmedHead(chain(url, 3)), 497);
  assert.equal(seen[0].method, 'POST');
  assert.equal(seen[0].contentType, 'application/json');
  assert.deepEqual(seen[0].body, { jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] });
});

test('confirmations deeper than the chain give 0, never a negative height', async () => {
  const url = await rpc(blockNumber('0x2'));
  assert.equal(await readConfirmedHead(chain(url, 12)), 0);
  assert.equal(await readConfirmedHead(chain(url, 2)), 0);
});

test('an answer that is not a block number gives 0', async () => {
  const hostile = [
    (r) => ({ jsonrpc: '2.0', id: r.body.id, error: { code: -32000, message: 'header not found' } }),
    blockNumber('500'),
    blockNumber('0x'),
    blockNumber('0x1g'),
    blockNumber('-0x5'),
    blockNumber('0x10000000000000000'),
    blockNumber('0xffffffffffffffff'),
    (r) => ({ jsonrpc: '2.0', id: r.body.id, result: 500 }),
    (r) => ({ jsonrpc: '2.0', id: 2, result: '0x1f4' }),
    (r) => [{ jsonrpc: '2.0', id: r.body.id, result: '0x1f4' }],
    () => null,
    () => ({ status: 500, body: { jsonrpc: '2.0', id: 1, result: '0x1f4' } }),
    () => ({ raw: 'not json' }),
    () => ({ raw: JSON.stringify({ jsonrpc: '2.0', id: 1, result: '0x1f4' }) + ' '.repeat(MAX_HEAD_ANSWER_BYTES) }),
  ];
  for (const [i, answer] of hostile.entries()) {
    assert.equal(await readConfirmedHead(chain(await rpc(answer))), 0, `answer ${i}`);
  }
});

test('an RPC that cannot be reached, or does not answer in time, gives 0 within the timeout', async () => {
  const closed = await rpc(blockNumber('0x1f4'));
  await new Promise((r) => servers.pop().close(r));
  assert.equal(await readConfirmedHead(chain(closed)), 0);
  const slow = await rpc(() => new Promise((r) => setTimeout(() => r({ jsonrpc: '2.0', id: 1, result: '0x1f4' }), 3000)));
  const started = Date.now();
  assert.equal(await readConfirmedHead(chain(slow), { timeoutMillis: 200 }), 0);
  assert.ok(Date.now() - started < 2000, 'did not wait for the slow RPC');
});

test('the caller\'s abort ends the read with its reason', async () => {
  const slow = await rpc(() => new Promise((r) => setTimeout(() => r({ jsonrpc: '2.0', id: 1, result: '0x1f4' }), 3000)));
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('the reader left')), 100);
  await assert.rejects(readConfirmedHead(chain(slow), { signal: controller.signal }), /the reader left/);
});

test('the key fetcher of an EVM network signs the head its descriptor\'s RPC gives, less its confirmations', async () => {
  const url = await rpc(blockNumber('0x64'));
  const key = base64Url(new Uint8Array(32).fill(1));
  const network = Network.fromDescriptor({
    format: 'cachet-network/1',
    chain: {
      kind: 'evm', rpcUrl: url, chainId: 31337, confirmations: 2,
      policies: '0x5FbDB2315678afecb367f032d93F642f64180aa3', blobRegistry: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
    },
    keyServers: { threshold: 1, servers: [{ id: 'ks-1', url: 'http://127.0.0.1:9', signingKey: key }] },
    storage: { publisher: 'http://127.0.0.1:9', aggregator: 'http://127.0.0.1:9' },
  });
  assert.equal(await new KeyFetcher(network, null).readHead(), 98);
  const down = Network.fromDescriptor({ ...network.descriptor, chain: { ...network.descriptor.chain, rpcUrl: 'http://127.0.0.1:9/' } });
  assert.equal(await new KeyFetcher(down, null).readHead(), 0);
});
