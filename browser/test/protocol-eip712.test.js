// The Ethereum-account identity: the EIP-712 session certificate against Java's known answer, and
// a real wallet signer (anvil's eth_signTypedData_v4 for its dev accounts) with hostile wallets
// around it: another account's signature, another chain, malformed signatures, a refusal.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { base64Url, fromHex, toHex } from '../src/codec.js';
import { WalletError, WrongNetworkError } from '../src/errors.js';
import { Network } from '../src/network.js';
import { FetchKeyItem, FetchKeyRequest } from '../src/protocol/fetchKey.js';
import { KeyFetcher } from '../src/protocol/keyFetcher.js';
import { BrowserIdentity } from '../src/protocol/identity.js';
import { Eip712SessionCertificate, Session } from '../src/protocol/session.js';
import { WalletIdentity, canonicalSignature, checksumAddress } from '../src/protocol/wallet.js';

const KAT = JSON.parse(readFileSync(new URL('../../crypto/src/test/resources/kat/session-certificate-eip712.json', import.meta.url), 'utf8'));
const ANVIL = fileURLToPath(new URL('../../node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil', import.meta.url));
const ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** anvil's dev accounts 0 and 1 (its public test mnemonic). */
const ACCOUNT_0 = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const ACCOUNT_1 = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

function katFields() {
  return {
    sessionKey: fromHex(KAT.sessionKey),
    createdAtMillis: KAT.createdAtMillis,
    ttlSeconds: KAT.ttlSeconds,
    audience: KAT.audience,
  };
}

function katCertificate(signature) {
  const addressBytes = new Uint8Array(32);
  addressBytes.set(fromHex(KAT.address), 12);
  return new Eip712SessionCertificate({ chainId: KAT.chainId, addressBytes, address: KAT.address, ...katFields(), signature });
}

test('the KAT certificate: typed data and its digest, byte for byte as Java and anvil make them', () => {
  const c = katCertificate(fromHex(KAT.signature));
  assert.equal(JSON.stringify(c.typedData()), JSON.stringify(KAT.typedData));
  assert.equal('0x' + toHex(c.typedDataDigest()), KAT.digest);
});

test('the KAT certificate: its JSON is the key servers\' byte for byte, and its digest covers fields and signature', () => {
  const c = katCertificate(fromHex(KAT.signature));
  assert.equal(JSON.stringify(c.toJSON()), JSON.stringify(KAT.certificate));
  const other = katCertificate(fromHex(KAT.signature).map((b, i) => (i === 0 ? b ^ 1 : b)));
  assert.notEqual(toHex(c.digest()), toHex(other.digest()));
  // tag, then u64 chainId, the address word, the session key: the order FORMAT.md gives
  const bytes = c.signedBytes();
  const tag = 'cachet/session-certificate/eip712/v1';
  assert.equal(bytes[0], tag.length);
  assert.equal(new TextDecoder().decode(bytes.subarray(1, 1 + tag.length)), tag);
  const rest = bytes.subarray(1 + tag.length);
  assert.equal(toHex(rest.subarray(0, 8)), (31337).toString(16).padStart(16, '0'));
  assert.equal(toHex(rest.subarray(8, 40)), '00'.repeat(12) + KAT.address.slice(2).toLowerCase());
  assert.equal('0x' + toHex(rest.subarray(40, 72)), KAT.sessionKey);
});

test('an EIP-712 certificate refuses a chain id below 1 and a non-EVM address', () => {
  const addressBytes = new Uint8Array(32).fill(1);
  assert.throws(() => new Eip712SessionCertificate({ chainId: 1, addressBytes, address: KAT.address, ...katFields() }), /EVM address/);
  const ok = new Uint8Array(32);
  assert.throws(() => new Eip712SessionCertificate({ chainId: 0, addressBytes: ok, address: KAT.address, ...katFields() }), /positive chain id/);
});

test('EIP-55: the KAT address is spelled back; a v of 0 or 1 is read as 27 or 28; malformed signatures are refused', () => {
  assert.equal(checksumAddress(KAT.address.toLowerCase()), KAT.address);
  const sig = fromHex(KAT.signature);
  const asRecoveryId = Uint8Array.from(sig);
  asRecoveryId[64] -= 27;
  assert.deepEqual(canonicalSignature('0x' + toHex(asRecoveryId)), sig);
  const refused = (hex, pattern) =>
    assert.throws(() => canonicalSignature(hex), (e) => e instanceof WalletError && e.code === 'BAD_SIGNATURE' && pattern.test(e.message));
  refused('0x' + toHex(sig.subarray(0, 64)), /not a 65-byte signature/);
  refused(sig, /not a 65-byte signature/);
  refused('0x' + toHex(sig) + '00', /not a 65-byte signature/);
  const v29 = Uint8Array.from(sig);
  v29[64] = 29;
  refused('0x' + toHex(v29), /v = 29/);
  const zeroR = Uint8Array.from(sig);
  zeroR.fill(0, 0, 32);
  refused('0x' + toHex(zeroR), /out of range/);
  refused('0x' + toHex(highS(sig)), /high s/);
});

/** The same signature in its other spelling, s' = n - s with the other v: valid ECDSA, refused by EIP-2. */
function highS(sig) {
  const s = BigInt('0x' + toHex(sig.subarray(32, 64)));
  const out = Uint8Array.from(sig);
  out.set(fromHex((ORDER - s).toString(16).padStart(64, '0')), 32);
  out[64] = sig[64] === 27 ? 28 : 27;
  return out;
}

// ---- a real wallet: anvil signs eth_signTypedData_v4 for its dev accounts ----

let anvil = null;
let rpcUrl = null;

before(async () => {
  if (!existsSync(ANVIL)) return;
  anvil = spawn(ANVIL, ['--host', '127.0.0.1', '--port', '0', '--chain-id', '31337'], { stdio: ['ignore', 'pipe', 'pipe'] });
  rpcUrl = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`anvil did not start: ${seen}`)), 30_000);
    anvil.stdout.on('data', (chunk) => {
      seen += chunk;
      const m = /Listening on ([0-9.]+):([0-9]+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(`http://${m[1]}:${m[2]}`);
      }
    });
    anvil.on('exit', (code) => reject(new Error(`anvil exited with ${code}: ${seen}`)));
  });
});

after(() => {
  if (anvil) process.kill(anvil.pid);
});

async function rpc(method, params) {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const answer = await response.json();
  if (answer.error) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
  return answer.result;
}

/**
 * An EIP-1193 provider on anvil, as an injected wallet would be: it shares `account`, and `override`
 * may answer a method otherwise (a hostile or broken wallet).
 */
function anvilWallet(account, override = {}) {
  return {
    async request({ method, params }) {
      if (override[method]) return override[method](params);
      if (method === 'eth_requestAccounts') return [account.toLowerCase()];
      return rpc(method, params);
    },
  };
}

const needsAnvil = () => (anvil ? false : 'anvil is not installed: npm ci --ignore-scripts at the repository root');

test('anvil as the wallet: connect takes its first account and chain; it signs the KAT certificate with the KAT signature', { skip: needsAnvil() }, async () => {
  const wallet = await WalletIdentity.connect(anvilWallet(ACCOUNT_0));
  assert.equal(wallet.address, ACCOUNT_0);
  assert.equal(wallet.chainId, 31337);
  assert.equal(wallet.scheme, 'eip712');
  assert.equal(toHex(wallet.addressBytes), '00'.repeat(12) + ACCOUNT_0.slice(2).toLowerCase());
  const certificate = await wallet.certify(katFields());
  assert.equal('0x' + toHex(certificate.signature), KAT.signature);
  assert.equal(JSON.stringify(certificate.toJSON()), JSON.stringify(KAT.certificate));
});

test('anvil as the wallet: a session it certifies signs a fetch_key request naming that certificate', { skip: needsAnvil() }, async () => {
  const wallet = await WalletIdentity.connect(anvilWallet(ACCOUNT_1));
  const session = await Session.create(wallet, ['ks-1', 'ks-2']);
  assert.equal(session.certificate.scheme, 'eip712');
  assert.equal(session.certificate.address, ACCOUNT_1);
  const item = new FetchKeyItem(
    { formatVersion: 1, ledgerId: 'eip155:31337:0x' + '11'.repeat(20), policyId: new Uint8Array(32), objectId: new Uint8Array(32), threshold: 1, shareCount: 2, keyServerId: 'ks-1', index: 1 },
    new Uint8Array(10), new Uint8Array(32), new Uint8Array(80),
  );
  const request = await FetchKeyRequest.create(session, 'ks-1', new Uint8Array(32), [item]);
  const json = request.toJSON();
  assert.equal(json.certificate.scheme, 'eip712');
  assert.equal(json.certificate.signature, base64Url(session.certificate.signature));
  assert.deepEqual(Object.keys(json.certificate), ['scheme', 'chainId', 'address', 'sessionKey', 'createdAtMillis', 'ttlSeconds', 'audience', 'signature']);
});

test('opens at the same time share one session: the wallet is asked to sign once', { skip: needsAnvil() }, async () => {
  let prompts = 0;
  const wallet = await WalletIdentity.connect(anvilWallet(ACCOUNT_1, {
    eth_signTypedData_v4: (params) => { prompts++; return rpc('eth_signTypedData_v4', params); },
  }));
  const fetcher = new KeyFetcher(evmNetwork(), wallet);
  const [a, b] = await Promise.all([fetcher.session(), fetcher.session()]);
  assert.equal(a, b);
  assert.equal(prompts, 1);
  assert.equal(await fetcher.session(), a);
  assert.equal(prompts, 1);
});

test('a wallet that signs as another account than it connected is refused: WRONG_SIGNER naming both', { skip: needsAnvil() }, async () => {
  const wallet = await WalletIdentity.connect(anvilWallet(ACCOUNT_0, {
    eth_signTypedData_v4: ([, typedData]) => rpc('eth_signTypedData_v4', [ACCOUNT_1.toLowerCase(), typedData]),
  }));
  await assert.rejects(wallet.certify(katFields()), (e) =>
    e instanceof WalletError && e.code === 'WRONG_SIGNER' && e.message.includes(ACCOUNT_1) && e.message.includes(ACCOUNT_0));
});

test('a wallet answering a malformed or high-s signature is refused: BAD_SIGNATURE', { skip: needsAnvil() }, async () => {
  const short = await WalletIdentity.connect(anvilWallet(ACCOUNT_0, { eth_signTypedData_v4: () => '0x' + 'ab'.repeat(64) }));
  await assert.rejects(short.certify(katFields()), (e) => e.code === 'BAD_SIGNATURE' && /65-byte/.test(e.message));
  const flipped = await WalletIdentity.connect(anvilWallet(ACCOUNT_0, {
    eth_signTypedData_v4: async (params) => '0x' + toHex(highS(fromHex(await rpc('eth_signTypedData_v4', params)))),
  }));
  await assert.rejects(flipped.certify(katFields()), (e) => e.code === 'BAD_SIGNATURE' && /high s/.test(e.message));
  // a well-formed signature over another digest recovers some other account
  const otherDigest = await WalletIdentity.connect(anvilWallet(ACCOUNT_0, { eth_signTypedData_v4: () => KAT.signature }));
  await assert.rejects(otherDigest.certify({ ...katFields(), ttlSeconds: 601 }), (e) => e.code === 'WRONG_SIGNER' || e.code === 'BAD_SIGNATURE');
});

test('a wallet on another chain: refused before signing, naming both chains', { skip: needsAnvil() }, async () => {
  const mainnet = await WalletIdentity.connect(anvilWallet(ACCOUNT_0, { eth_chainId: () => '0x1' }));
  assert.equal(mainnet.chainId, 1);
  const network = evmNetwork();
  const header = { ledgerId: network.ledgerId, threshold: 1, slots: [{ index: 1, keyServerId: 'ks-1' }] };
  assert.throws(() => network.checkDecidesFor(header, mainnet), (e) =>
    e instanceof WrongNetworkError && e.code === 'WRONG_CHAIN' && /chain 1\b/.test(e.message) && /chain 31337/.test(e.message));
  let chain = '0x7a69';
  let signed = false;
  const switching = await WalletIdentity.connect(anvilWallet(ACCOUNT_0, {
    eth_chainId: () => chain,
    eth_signTypedData_v4: () => { signed = true; return KAT.signature; },
  }));
  network.checkDecidesFor(header, switching);
  chain = '0x5';
  await assert.rejects(switching.certify(katFields()), (e) => e.code === 'WRONG_CHAIN' && /chain 5\b/.test(e.message) && /chain 31337/.test(e.message));
  assert.equal(signed, false, 'nothing is signed for the wrong chain');
});

test('the owner declining, no account, no wallet: each its own code', async () => {
  const declining = { request: async ({ method }) => { if (method === 'eth_requestAccounts') throw Object.assign(new Error('User rejected the request.'), { code: 4001 }); } };
  await assert.rejects(WalletIdentity.connect(declining), (e) => e instanceof WalletError && e.code === 'WALLET_REJECTED');
  const empty = { request: async () => [] };
  await assert.rejects(WalletIdentity.connect(empty), (e) => e.code === 'NO_WALLET_ACCOUNT');
  await assert.rejects(WalletIdentity.connect(undefined), (e) => e.code === 'NO_WALLET');
  const refusesToSign = {
    request: async ({ method }) => {
      if (method === 'eth_requestAccounts') return [ACCOUNT_0];
      if (method === 'eth_chainId') return '0x7a69';
      throw Object.assign(new Error('User denied message signature.'), { code: 4001 });
    },
  };
  const wallet = await WalletIdentity.connect(refusesToSign);
  await assert.rejects(wallet.certify(katFields()), (e) => e.code === 'WALLET_REJECTED' && /sign the session/.test(e.message));
});

test('an EVM policy needs a wallet; an embedded-ledger policy refuses one', async () => {
  const network = evmNetwork();
  const header = { ledgerId: 'eip155:31337:0x' + '33'.repeat(20), threshold: 1, slots: [{ index: 1, keyServerId: 'ks-1' }] };
  const ed25519 = await BrowserIdentity.ephemeral();
  assert.throws(() => network.checkDecidesFor(header, ed25519), (e) => e.code === 'NEEDS_EVM_WALLET' && /connect a wallet/.test(e.message));
  const wallet = new WalletIdentity({ request: async () => null }, ACCOUNT_0, 31337);
  network.checkDecidesFor(header, wallet);
  assert.throws(() => network.checkDecidesFor({ ...header, ledgerId: 'eip155:1:0x' + '33'.repeat(20) }, wallet), (e) => e.code === 'WRONG_LEDGER');
  const embedded = Network.fromDescriptor({ ...descriptor(), ledger: { url: 'http://127.0.0.1:7300', ledgerId: 'cachet-devnet', sequencerKey: base64Url(new Uint8Array(32).fill(1)) } });
  assert.throws(() => embedded.checkDecidesFor({ ...header, ledgerId: 'cachet-devnet' }, wallet), (e) => e.code === 'NEEDS_BROWSER_IDENTITY');
});

function descriptor() {
  return {
    format: 'cachet-network/1',
    keyServers: { threshold: 1, servers: [{ id: 'ks-1', url: 'http://127.0.0.1:7400', signingKey: base64Url(new Uint8Array(32).fill(1)) }] },
    storage: { publisher: 'http://127.0.0.1:7500', aggregator: 'http://127.0.0.1:7500' },
  };
}

function evmNetwork() {
  return Network.fromDescriptor({
    ...descriptor(),
    chain: { kind: 'evm', rpcUrl: 'http://127.0.0.1:8545', chainId: 31337, policies: '0x' + '11'.repeat(20), blobRegistry: '0x' + '22'.repeat(20) },
  });
}
