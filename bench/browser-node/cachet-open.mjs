// Cachet's browser SDK run in Node on the same blob the page opens, to separate the browser, the
// network and the crypto in the figures (bench: io.cachet.bench.BrowserOpenHarness;
// docs/PERFORMANCE.md, "browser"). It imports the SDK's sources from browser/src (their own
// dependencies from browser/node_modules, which the browser module's build installs).
//
// Usage: node cachet-open.mjs DESCRIPTOR_FILE BLOB_ID
// Prints {"address": ...} (an in-memory identity), waits for the line "granted", reads the whole
// envelope into memory with one GET and fetches its key, prints {"ready": ...}; then each line on
// stdin is one run, answered with one JSON line:
//   body  openBody over the envelope in memory, drained: the body's decrypt alone;
//   open  openBlob against the devnet over loopback, drained: as the page does, in Node.
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { openBody } from '../../browser/src/envelope/body.js';
import { headerLength, parseHeader } from '../../browser/src/envelope/header.js';
import { Network } from '../../browser/src/network.js';
import { openBlob } from '../../browser/src/open.js';
import { endpoint } from '../../browser/src/protocol/http.js';
import { BrowserIdentity } from '../../browser/src/protocol/identity.js';
import { KeyFetcher } from '../../browser/src/protocol/keyFetcher.js';

const [descriptorFile, blobId] = process.argv.slice(2);
const network = Network.fromDescriptor(JSON.parse(await readFile(descriptorFile, 'utf8')));
const identity = await BrowserIdentity.create();
console.log(JSON.stringify({ address: identity.address }));

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const next = async () => {
  const { value, done } = await lines.next();
  return done ? 'quit' : value.trim();
};
if ((await next()) !== 'granted') process.exit(0);

const response = await fetch(endpoint(network.aggregator, `/v1/blobs/${blobId}`));
if (!response.ok) throw new Error(`GET of the blob answered ${response.status}`);
const envelope = new Uint8Array(await response.arrayBuffer());
const header = parseHeader(envelope.subarray(0, headerLength(envelope.subarray(0, 9))));
const { dek } = await new KeyFetcher(network, identity).fetch(header);

async function drain(stream) {
  const reader = stream.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.length;
  }
}

async function run() {
  let t = performance.now();
  const bodyBytes = await drain(openBody({
    dek,
    header,
    readBody: async (from, to) => envelope.subarray(header.length + from, Math.min(envelope.length, header.length + to)),
    envelopeLength: envelope.length,
  }));
  const body = performance.now() - t;
  t = performance.now();
  const opened = await openBlob({ network, blobId, identity });
  const openBytes = await drain(opened.stream);
  const open = performance.now() - t;
  return { body, open, bodyBytes, openBytes };
}

console.log(JSON.stringify({ ready: true, envelopeBytes: envelope.length, plaintextBytes: header.plaintextLength, node: process.version }));
for (;;) {
  const line = await next();
  if (line === 'quit') break;
  if (line === 'run') console.log(JSON.stringify(await run()));
}
dek.fill(0);
process.exit(0);
