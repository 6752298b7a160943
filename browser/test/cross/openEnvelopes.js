// The node half of the Java cross test (src/test/java/io/cachet/browser/BrowserEnvelopeCrossTest):
// opens Java-sealed envelopes with the SDK's envelope code and writes what it got for Java to
// compare. Usage, from the browser folder: node test/cross/openEnvelopes.js JOB.json
//
// The job file (written by the Java test, never passed on the command line since it holds the
// key servers' private keys) has:
//   envelopes: [{ name, file, keys: [{ index, privateKey: hex }], out?: file, ranges?: [[start, end]] }]
//     each opened with the shares of the key servers listed; the plaintext written to `out`, each
//     range's BLAKE2b-256 reported; a failure reported by its error's name, code and reason
//   shamir: [{ name, threshold, shareCount, objectId: hex, commitment: hex, shares: [{ index, bytes: hex }] }]
//     combined, and the key checked against the commitment Java computed
// and the results go to JOB.json's sibling results.json.
import { open, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fromHex, toHex, blake2b256, concat } from '../../src/codec.js';
import { headerLength, parseHeader } from '../../src/envelope/header.js';
import { combineShares, checkCommitment } from '../../src/envelope/dataKey.js';
import { openBody } from '../../src/envelope/body.js';
import { unsealShare } from './keyServer.js';

const jobFile = process.argv[2];
if (jobFile === undefined) {
  // `npm test` runs every script under test/; this one only works for the Java cross test.
  console.log('openEnvelopes.js: run by the Java cross test with a job file; nothing to do alone');
  process.exit(0);
}

const job = JSON.parse(await readFile(jobFile, 'utf8'));
const results = { envelopes: [], shamir: [] };
for (const envelope of job.envelopes ?? []) results.envelopes.push(await openOne(envelope));
for (const split of job.shamir ?? []) results.shamir.push(await combineOne(split));
await writeFile(join(dirname(jobFile), 'results.json'), JSON.stringify(results, null, 1));

async function openOne({ name, file, keys, out, ranges = [] }) {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    // Bytes [from, to) counted from `base`, fewer only where the file ends.
    const bytesAt = (base) => async (from, to) => {
      const buffer = new Uint8Array(to - from);
      const { bytesRead } = await fh.read(buffer, 0, buffer.length, base + from);
      return buffer.subarray(0, bytesRead);
    };
    const prefix = await bytesAt(0)(0, 9);
    const header = parseHeader(await bytesAt(0)(0, headerLength(prefix)));
    const shares = [];
    for (const { index, privateKey } of keys) shares.push(await unsealShare(header, index, fromHex(privateKey)));
    const dek = await combineShares(shares, header.threshold, header.shareCount);
    shares.forEach((s) => s.bytes.fill(0));
    checkCommitment(header, dek);
    const options = { dek, header, readBody: bytesAt(header.length), envelopeLength: size };
    const result = { name, plaintextLength: header.plaintextLength, ranges: [] };
    if (out !== undefined) {
      const sink = await open(out, 'w');
      try {
        for await (const chunk of openBody(options)) await sink.write(chunk);
      } finally {
        await sink.close();
      }
    }
    for (const [start, end] of ranges) {
      const chunks = [];
      for await (const chunk of openBody({ ...options, range: { start, end } })) chunks.push(chunk);
      result.ranges.push({ start, end, blake2b: toHex(blake2b256(concat(...chunks))) });
    }
    dek.fill(0);
    return result;
  } catch (e) {
    return { name, error: { name: e.name, code: e.code ?? null, reason: e.reason ?? null, message: e.message } };
  } finally {
    await fh.close();
  }
}

async function combineOne({ name, threshold, shareCount, objectId, commitment, shares }) {
  try {
    const dek = await combineShares(shares.map((s) => ({ index: s.index, bytes: fromHex(s.bytes) })), threshold, shareCount);
    checkCommitment({ objectId: fromHex(objectId), commitment: fromHex(commitment) }, dek);
    dek.fill(0);
    return { name, ok: true };
  } catch (e) {
    return { name, ok: false, error: { name: e.name, code: e.code ?? null, message: e.message } };
  }
}
