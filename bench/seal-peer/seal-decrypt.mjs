// The Seal TypeScript SDK's decrypt, measured in Node as the peer of Cachet's browser open
// (bench: io.cachet.bench.BrowserOpenHarness; docs/PERFORMANCE.md, "browser").
//
// The object is made by Seal's own encrypt (AES-256-GCM DEM, Boneh-Franklin IBE over BLS12-381,
// 2-of-3) under three key servers whose master keys this script draws, so the user secret keys a
// key server would hand out can be derived here and no server is asked. Each run times, on the same
// object, two things:
//   dem   AesGcm256.decrypt(demKey, ciphertext): the data part alone, one WebCrypto AES-GCM call
//         over the whole buffer, after the key servers' shares are combined;
//   full  what SealClient.decrypt does once its keys are cached: EncryptedObject.parse of the bytes,
//         then decrypt() (IBE decapsulation of two shares, Shamir combine, key derivation, nonce
//         check, the DEM). Only fetchKeys (the HTTP round to the key servers) is left out.
//
// Usage: node seal-decrypt.mjs MIB WARMUPS
// Prints one JSON line when ready ({"ready":...}), then answers each line "run" on stdin with one
// JSON line {"dem": ms, "full": ms, "bytes": n}, so the caller can alternate it with its own runs;
// "quit" (or the end of stdin) ends it.
import { createInterface } from 'node:readline';
import { EncryptedObject } from './node_modules/@mysten/seal/dist/bcs.mjs';
import { G2Element, Scalar } from './node_modules/@mysten/seal/dist/bls12381.mjs';
import { decrypt } from './node_modules/@mysten/seal/dist/decrypt.mjs';
import { AesGcm256 } from './node_modules/@mysten/seal/dist/dem.mjs';
import { encrypt, KemType } from './node_modules/@mysten/seal/dist/encrypt.mjs';
import { hashToG1 } from './node_modules/@mysten/seal/dist/kdf.mjs';
import { createFullId } from './node_modules/@mysten/seal/dist/utils.mjs';

const mib = Number(process.argv[2] ?? 256);
const warmups = Number(process.argv[3] ?? 2);
const bytes = mib * 1024 * 1024;

const hex32 = (n) => '0x' + n.toString(16).padStart(64, '0');
const packageId = hex32(0xcace7n);
const id = '0123456789abcdef';
const servers = [1n, 2n, 3n].map((n) => {
  const msk = Scalar.random();
  return { objectId: hex32(0x5ea1000n + n), msk, pk: G2Element.generator().multiply(msk).toBytes() };
});

// getRandomValues fills at most 64 KiB a call
const plaintext = new Uint8Array(bytes);
for (let at = 0; at < bytes; at += 65536) {
  crypto.getRandomValues(plaintext.subarray(at, Math.min(bytes, at + 65536)));
}
const { encryptedObject: data, key: demKey } = await encrypt({
  keyServers: servers.map(({ objectId, pk }) => ({ objectId, pk })),
  kemType: KemType.BonehFranklinBLS12381DemCCA,
  threshold: 2,
  packageId,
  id,
  encryptionInput: new AesGcm256(plaintext, new Uint8Array(0)),
});

// what a key server releases for this id: its master key times H(full id), in G1
const fullId = createFullId(packageId, id);
const keys = new Map();
for (const s of servers.slice(0, 2)) {
  keys.set(`${fullId}:${s.objectId}`, hashToG1(Buffer.from(fullId, 'hex')).multiply(s.msk));
}
const parsed = EncryptedObject.parse(data);

function same(a, b) {
  if (a.length !== b.length) return false;
  // compare as 64-bit words: a byte loop over 256 MiB would take longer than the decrypt
  const n = a.length >>> 3;
  const wa = new BigUint64Array(a.buffer, a.byteOffset, n);
  const wb = new BigUint64Array(b.buffer, b.byteOffset, n);
  for (let i = 0; i < n; i++) if (wa[i] !== wb[i]) return false;
  for (let i = n * 8; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function run() {
  let t = performance.now();
  const dem = await AesGcm256.decrypt(demKey, parsed.ciphertext);
  const demMs = performance.now() - t;
  t = performance.now();
  const full = await decrypt({ encryptedObject: EncryptedObject.parse(data), keys });
  const fullMs = performance.now() - t;
  if (!same(dem, plaintext) || !same(full, plaintext)) {
    throw new Error('Seal decrypt did not give back the plaintext');
  }
  return { dem: demMs, full: fullMs, bytes };
}

for (let i = 0; i < warmups; i++) await run();
console.log(JSON.stringify({ ready: true, sdk: '@mysten/seal', bytes, objectBytes: data.length, node: process.version }));

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() === 'quit') break;
  if (line.trim() === 'run') {
    console.log(JSON.stringify(await run()));
  }
}
process.exit(0);
