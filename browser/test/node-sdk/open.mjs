// The browser SDK driven from Node against real servers, for cli's NodeSdkDevnetTest.
//
//   node browser/test/node-sdk/open.mjs NETWORK_JSON_FILE
//
// Makes a fresh in-memory reader identity (a non-extractable WebCrypto Ed25519 key, as in a page)
// and prints {"address": "0x…"} as its first line, so the test can grant that address. Then reads
// commands, one a line, and answers each with one JSON line:
//
//   open BLOB_ID OUT_FILE [START END]  openBlob, the plaintext (or the range [START, END)) written
//                                      to OUT_FILE: {"ok":true,"plaintextLength","bytes","outcomes"}
//                                      or {"ok":false,"code","name","message","outcomes","policyId","ledgerId"}
//   request KEY_SERVER_ID              a fetch_key request for a made-up item, never sent:
//                                      {"request": <its JSON>, "signedBytes": hex, "digest": hex}
//   quit
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { Writer, toHex } from '../../src/codec.js';
import { Network } from '../../src/network.js';
import { BrowserIdentity } from '../../src/protocol/identity.js';
import { FetchKeyItem, FetchKeyRequest } from '../../src/protocol/fetchKey.js';
import { Session } from '../../src/protocol/session.js';

if (process.argv.length < 3) {
  // `node --test test/` runs every script under test/, this one too: without a network there is nothing to do
  console.error('usage: node test/node-sdk/open.mjs NETWORK_JSON_FILE (driven by cli\'s NodeSdkDevnetTest)');
  process.exit(0);
}

const network = Network.fromDescriptor(await readFile(process.argv[2], 'utf8'));
const identity = await BrowserIdentity.ephemeral();
say({ address: identity.address });

function say(o) {
  process.stdout.write(JSON.stringify(o) + '\n');
}

async function open(blobId, out, start, end) {
  const range = start === undefined ? undefined : { start: Number(start), end: Number(end) };
  try {
    // imported when first needed, so `request` works without the envelope code
    const { openBlob } = await import('../../src/open.js');
    const opened = await openBlob({ network, blobId, identity, range });
    let bytes = 0;
    const counting = new TransformStream({
      transform(chunk, controller) {
        bytes += chunk.length;
        controller.enqueue(chunk);
      },
    });
    await opened.stream.pipeThrough(counting).pipeTo(Writable.toWeb(createWriteStream(out)));
    return { ok: true, plaintextLength: opened.plaintextLength, bytes, outcomes: opened.outcomes };
  } catch (e) {
    return { ok: false, code: e.code ?? null, name: e.name, message: e.message, outcomes: e.outcomes ?? null,
      policyId: e.policyId ?? null, ledgerId: e.ledgerId ?? null };
  }
}

/** A request as the key fetcher makes it, for an item of a made-up envelope of this network. */
async function request(keyServerId) {
  const session = await Session.create(identity, network.keyServers.map((k) => k.id));
  const context = {
    formatVersion: 1,
    ledgerId: network.ledgerId,
    policyId: crypto.getRandomValues(new Uint8Array(32)),
    objectId: crypto.getRandomValues(new Uint8Array(32)),
    threshold: 2,
    shareCount: 3,
    keyServerId,
    index: 1,
  };
  // docs/FORMAT.md "Share context", written out here so Java's ShareContext.info checks it
  const info = Writer.tagged('cachet/share/v1')
    .u8(1).string8(context.ledgerId).fixed(context.policyId).fixed(context.objectId)
    .u8(2).u8(3).string8(keyServerId).u8(1)
    .bytes();
  const item = new FetchKeyItem(context, info, crypto.getRandomValues(new Uint8Array(32)), crypto.getRandomValues(new Uint8Array(80)));
  const ephemeral = await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits']);
  const responseKey = new Uint8Array(await crypto.subtle.exportKey('raw', ephemeral.publicKey));
  const r = await FetchKeyRequest.create(session, keyServerId, responseKey, [item], { minLedgerHeight: 7 });
  return { request: r.toJSON(), signedBytes: toHex(r.signedBytes()), digest: toHex(r.digest()) };
}

for await (const line of createInterface({ input: process.stdin })) {
  const [command, ...args] = line.trim().split(/\s+/);
  if (command === 'open') say(await open(...args));
  else if (command === 'request') say(await request(args[0]));
  else if (command === 'quit') break;
  else say({ ok: false, code: 'UNKNOWN_COMMAND', message: `unknown command ${command}` });
}
process.exit(0);
