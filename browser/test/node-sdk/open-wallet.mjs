// The browser SDK as an Ethereum account, driven from Node against real servers, for cli's
// NodeSdkEvmDevnetTest.
//
//   node browser/test/node-sdk/open-wallet.mjs NETWORK_JSON_FILE ACCOUNT
//
// The wallet is the devnet's anvil: an EIP-1193 provider that shares ACCOUNT (one of anvil's dev
// accounts, which anvil signs for) and forwards every other request to the chain's RPC URL, read
// from the network descriptor, as an injected wallet forwards to its node. Prints
// {"address": "0x…", "chainId": N} as its first line, then answers commands as open.mjs does:
//
//   open BLOB_ID OUT_FILE   openBlob with the WalletIdentity, the plaintext written to OUT_FILE:
//                           {"ok":true,"plaintextLength","bytes","outcomes","signatures"}
//                           or {"ok":false,"code","name","message","outcomes","policyId","ledgerId","signatures"}
//                           (`signatures`: how many session certificates the wallet signed so far)
//   head                    the height a key fetch would sign now: {"height": N}
//   quit
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { Network } from '../../src/network.js';
import { openBlob } from '../../src/open.js';
import { KeyFetcher } from '../../src/protocol/keyFetcher.js';
import { WalletIdentity } from '../../src/protocol/wallet.js';

if (process.argv.length < 4) {
  // `node --test test/` runs every script under test/, this one too: without a network there is nothing to do
  console.error('usage: node test/node-sdk/open-wallet.mjs NETWORK_JSON_FILE ACCOUNT (driven by cli\'s NodeSdkEvmDevnetTest)');
  process.exit(0);
}

const network = Network.fromDescriptor(await readFile(process.argv[2], 'utf8'));
const account = process.argv[3];
let signatures = 0;

async function rpc(method, params) {
  const response = await fetch(network.chain.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const answer = await response.json();
  if (answer.error) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
  return answer.result;
}

const provider = {
  async request({ method, params = [] }) {
    if (method === 'eth_requestAccounts' || method === 'eth_accounts') return [account];
    if (method === 'eth_signTypedData_v4') signatures++;
    return rpc(method, params);
  },
};

const identity = await WalletIdentity.connect(provider);
say({ address: identity.address, chainId: identity.chainId });

function say(o) {
  process.stdout.write(JSON.stringify(o) + '\n');
}

async function open(blobId, out) {
  try {
    const opened = await openBlob({ network, blobId, identity });
    let bytes = 0;
    const counting = new TransformStream({
      transform(chunk, controller) {
        bytes += chunk.length;
        controller.enqueue(chunk);
      },
    });
    await opened.stream.pipeThrough(counting).pipeTo(Writable.toWeb(createWriteStream(out)));
    return { ok: true, plaintextLength: opened.plaintextLength, bytes, outcomes: opened.outcomes, signatures };
  } catch (e) {
    return { ok: false, code: e.code ?? null, name: e.name, message: e.message, outcomes: e.outcomes ?? null,
      policyId: e.policyId ?? null, ledgerId: e.ledgerId ?? null, signatures };
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  const [command, ...args] = line.trim().split(/\s+/);
  if (command === 'open') say(await open(...args));
  else if (command === 'head') say({ height: await new KeyFetcher(network, identity).readHead() });
  else if (command === 'quit') break;
  else say({ ok: false, code: 'UNKNOWN_COMMAND', message: `unknown command ${command}` });
}
process.exit(0);
