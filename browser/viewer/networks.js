// Which network a share token is opened on. A token carries its sender's network descriptor, but its
// keys are trust anchors (the sequencer's key, each key server's signing key), so a token must not
// replace the network the viewer is served with. The comparison is the CLI's (cli/.../blob/
// TokenNetwork.java, docs/CLI.md "Share tokens and your own network"), phrase for phrase: the chain,
// the ledger's URL, id, sequencer key and genesis digest, the threshold, each key server's id, URL
// and signing key, the publisher and the aggregator. The default number of epochs is not compared
// (it only shapes a put); URLs compare as written, less a trailing slash.

/** How many characters of a key's base64url a difference shows: enough to tell keys apart. */
const KEY_PREFIX = 12;

/**
 * Every way the token's descriptor differs from the viewer's own, one phrase each; empty when the
 * two name one network. Both are descriptor JSON objects (`cachet-network/1`, docs/CLIENT.md).
 * @param {object} mine
 * @param {object} theirs
 * @returns {string[]}
 */
export function networkDifferences(mine, theirs) {
  const out = [];
  const myChain = chainOf(mine);
  const theirChain = chainOf(theirs);
  compare(out, 'chain', chainWords(myChain), chainWords(theirChain));
  if (myChain.kind === 'evm' && theirChain.kind === 'evm') {
    compare(out, 'chain.policies', lower(myChain.policies), lower(theirChain.policies));
    compare(out, 'chain.blobRegistry', lower(myChain.blobRegistry), lower(theirChain.blobRegistry));
  }
  const myLedger = mine?.ledger ?? {};
  const theirLedger = theirs?.ledger ?? {};
  compare(out, 'ledger.url', url(myLedger.url), url(theirLedger.url));
  compare(out, 'ledger.ledgerId', text(myLedger.ledgerId), text(theirLedger.ledgerId));
  compareKeys(out, 'ledger.sequencerKey', myLedger.sequencerKey, theirLedger.sequencerKey);
  if (myLedger.genesisDigest && theirLedger.genesisDigest
      && lower(myLedger.genesisDigest) !== lower(theirLedger.genesisDigest)) {
    out.push(`ledger.genesisDigest: yours is ${myLedger.genesisDigest}, the token's ${theirLedger.genesisDigest}`);
  }
  compare(out, 'keyServers.threshold', text(mine?.keyServers?.threshold), text(theirs?.keyServers?.threshold));
  const ours = serversById(mine);
  const tokens = serversById(theirs);
  for (const id of ours.keys()) {
    if (!tokens.has(id)) out.push(`key server ${id} is yours, not the token's`);
  }
  for (const [id, theirServer] of tokens) {
    const myServer = ours.get(id);
    if (!myServer) {
      out.push(`key server ${id} is the token's, not yours`);
      continue;
    }
    compare(out, `key server ${id} url`, url(myServer.url), url(theirServer.url));
    compareKeys(out, `key server ${id} signingKey`, myServer.signingKey, theirServer.signingKey);
  }
  compare(out, 'storage.publisher', url(mine?.storage?.publisher), url(theirs?.storage?.publisher));
  compare(out, 'storage.aggregator', url(mine?.storage?.aggregator), url(theirs?.storage?.aggregator));
  return out;
}

function chainOf(descriptor) {
  const chain = descriptor?.chain;
  return chain && typeof chain === 'object' ? chain : { kind: 'embedded' };
}

/** What names a chain: its kind, and for an EVM chain where it is reached and which chain it is. */
function chainWords(chain) {
  if (chain.kind !== 'evm') return text(chain.kind ?? 'embedded');
  return `evm ${url(chain.rpcUrl)} chain ${text(chain.chainId)} confirmations ${text(chain.confirmations ?? 0)}`;
}

function compare(out, field, mine, theirs) {
  if (mine !== theirs) out.push(`${field}: yours is ${mine}, the token's ${theirs}`);
}

/** Trust anchors are compared whole; only the phrase shortens them. */
function compareKeys(out, field, mine, theirs) {
  if (mine == null || theirs == null) {
    // an EVM network has no sequencer: the chain's comparison already says how the two differ
    return;
  }
  if (mine !== theirs) out.push(`${field}: yours is ${shortKey(mine)}, the token's ${shortKey(theirs)}`);
}

function serversById(descriptor) {
  const byId = new Map();
  const servers = descriptor?.keyServers?.servers;
  if (Array.isArray(servers)) {
    for (const s of servers) byId.set(text(s?.id), s ?? {});
  }
  return new Map([...byId].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function url(value) {
  if (value == null || value === '') return 'none';
  const s = String(value);
  return s.endsWith('/') ? s.slice(0, -1) : s;
}

function shortKey(key) {
  const full = String(key);
  return full.length <= KEY_PREFIX ? full : full.slice(0, KEY_PREFIX) + '…';
}

function lower(value) {
  return value == null ? 'none' : String(value).toLowerCase();
}

function text(value) {
  return value == null ? 'none' : String(value);
}

/**
 * The "I trust the network this token names" box, bound to one token: ticking it trusts the token
 * that was in the box then, and only for an open the person starts. A new token (typed, pasted, or
 * arriving in the URL's fragment) clears it, and a fragment-driven open never uses another network,
 * whatever the box says: a link or another tab could change the fragment after the box was ticked.
 */
export class NetworkTrust {
  #token = null;

  /** The box was ticked with `token` in the token field. */
  ticked(token) {
    this.#token = typeof token === 'string' ? token.trim() : null;
  }

  /** The box was unticked, or a new token arrived. */
  cleared() {
    this.#token = null;
  }

  /** Whether an open of `token` may use the other network the token names. */
  allows(token, { fromFragment = false } = {}) {
    return !fromFragment && this.#token !== null && this.#token === String(token).trim();
  }
}
