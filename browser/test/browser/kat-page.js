// The known-answer envelope opened in the browser by the SDK's own envelope code (through
// ../kat-open.js, as the node suite opens it), for KnownAnswerInChromiumTest to read: the page
// fetches the three KAT files from its own origin, opens the envelope with every pair of key
// servers, checks one flipped body bit is refused before any plaintext, and publishes what it
// found on <body data-*>. data-result comes last, so a test waiting for it reads a finished page.
//
// The page's own verdict is `ok` only if everything matched; the test does not take its word
// alone, but compares the published header fields with keys.json and the plaintext's SHA-256
// with its own over plaintext.txt.
import { constantTimeEqual, id32Text, toHex } from '../../src/codec.js';
import { headerMismatches, KAT_FILES, openFlipped, openWith, readKat, SERVER_PAIRS } from '../kat-open.js';

const KAT_PATH = 'kat/';

async function fetchBytes(name) {
  const response = await fetch(KAT_PATH + name, { cache: 'no-store' });
  if (!response.ok) throw new Error(`GET ${KAT_PATH}${name} answered ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function sha256(bytes) {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)));
}

async function run(published) {
  const [envelope, keysJson, plaintext] = await Promise.all(KAT_FILES.map(fetchBytes));
  const kat = readKat({ envelope, keysJson, plaintext });
  const { header } = kat;
  Object.assign(published, {
    version: header.version,
    ledgerId: header.ledgerId,
    policyId: id32Text(header.policyId),
    objectId: id32Text(header.objectId),
    threshold: header.threshold,
    shareCount: header.shareCount,
    keyServerIds: header.slots.map((s) => s.keyServerId).join(' '),
    plaintextLength: header.plaintextLength,
  });
  const problems = headerMismatches(kat);

  const opened = [];
  for (const pair of SERVER_PAIRS) {
    const out = await openWith(kat, pair);
    if (opened.length === 0) published.plaintextSha256 = await sha256(out);
    if (constantTimeEqual(out, plaintext)) opened.push(pair.join('+'));
    else problems.push(`key servers ${pair.join(' and ')} opened ${out.length} bytes that are not plaintext.txt`);
  }
  published.opened = opened.join(' ');

  const { released, error } = await openFlipped(kat);
  published.flippedCode = error?.code ?? 'none';
  published.flippedReason = error?.reason ?? 'none';
  published.flippedReleased = released;
  if (error?.code !== 'BODY_TAMPERED') problems.push(`a flipped body bit gave ${error ? `${error.name} ${error.code}` : 'no error'}`);
  if (released !== 0) problems.push(`a flipped body bit released ${released} plaintext bytes`);

  return problems.length === 0 ? 'ok' : `mismatch: ${problems.join('; ')}`;
}

const published = {};
let result;
try {
  result = await run(published);
} catch (e) {
  result = `error: ${e?.name ?? 'Error'} ${e?.code ?? ''} ${e?.message ?? e}`.replace(/\s+/g, ' ');
}
for (const [name, value] of Object.entries(published)) document.body.dataset[name] = String(value);
document.body.dataset.result = result;
document.getElementById('status').textContent = result;
