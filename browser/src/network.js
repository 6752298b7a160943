// The network descriptor, cachet-network/1 (docs/CLIENT.md, ClientConfig.java, ChainDescriptor.java):
// where the policies live, the key servers with the Ed25519 keys that are a reader's trust anchors,
// and the storage network. Unknown fields are ignored, as the Java reader ignores them; a missing
// or malformed field is refused naming its path.
import { fromBase64Url } from './codec.js';
import { NetworkDescriptorError, WrongNetworkError } from './errors.js';
import { checksumAddress } from './protocol/wallet.js';

export const NETWORK_FORMAT = 'cachet-network/1';

/** Largest descriptor read (ClientConfig's limit). */
export const MAX_DESCRIPTOR_CHARS = 256 * 1024;

/** Most key servers a network may list. */
const MAX_KEY_SERVERS = 32;
const NAME = /^[A-Za-z0-9._:-]{1,64}$/;

export class Network {
  /** Use Network.fromDescriptor. */
  constructor(f) {
    Object.assign(this, f);
    Object.freeze(this.keyServers);
    Object.freeze(this);
  }

  /**
   * Reads a cachet-network/1 descriptor, given as its JSON text or the parsed object.
   * @throws {NetworkDescriptorError} naming the field that is missing or malformed
   */
  static fromDescriptor(json) {
    let d = json;
    if (typeof json === 'string') {
      if (json.length > MAX_DESCRIPTOR_CHARS) bad(`the network descriptor is longer than ${MAX_DESCRIPTOR_CHARS} characters`);
      try {
        d = JSON.parse(json);
      } catch (e) {
        bad(`the network descriptor is not JSON (${e.message})`);
      }
    }
    object(d, 'the network descriptor');
    if (d.format !== NETWORK_FORMAT) bad(`format must be "${NETWORK_FORMAT}", was ${JSON.stringify(d.format)}`);
    const chain = readChain(d.chain);
    const ledger = chain.kind === 'embedded' || d.ledger !== undefined ? readLedger(d.ledger) : null;
    const keyServers = readKeyServers(d.keyServers);
    const storage = object(d.storage, 'storage');
    const epochs = storage.epochs === undefined ? 5 : integer(storage.epochs, 'storage.epochs', 1, 2 ** 31 - 1);
    return new Network({
      format: NETWORK_FORMAT,
      chain,
      isEvm: chain.kind === 'evm',
      ledgerId: chain.kind === 'evm' ? `eip155:${chain.chainId}:${chain.policies.toLowerCase()}` : ledger.ledgerId,
      ledgerUrl: chain.kind === 'evm' ? null : ledger.url,
      sequencerKey: ledger?.sequencerKey ?? null,
      genesisDigest: ledger?.genesisDigest ?? null,
      threshold: keyServers.threshold,
      keyServers: keyServers.servers,
      publisher: url(storage.publisher, 'storage.publisher'),
      aggregator: url(storage.aggregator, 'storage.aggregator'),
      epochs,
      descriptor: d,
    });
  }

  /** The key server listed under `id`, or undefined. */
  keyServer(id) {
    return this.keyServers.find((k) => k.id === id);
  }

  /**
   * Refuses a header this network's key servers do not decide for, or that `reader` cannot open:
   * another ledger or chain (WRONG_LEDGER); on an EVM chain, a reader that is not a wallet
   * (NEEDS_EVM_WALLET: its policies list Ethereum accounts) or a wallet on another chain
   * (WRONG_CHAIN); on the embedded ledger, a wallet (NEEDS_BROWSER_IDENTITY: its key servers take
   * no EIP-712 certificate); or fewer of its slots' key servers listed here than its threshold
   * (UNKNOWN_KEY_SERVER). On an EVM chain any contract of that chain is decided for (an app's own
   * policy contract), as the Java client's ClientConfig.decidesFor.
   * @param {{scheme: string, chainId?: number}} [reader] the identity that will ask
   */
  checkDecidesFor(header, reader) {
    if (this.isEvm) this.#checkEvm(header, reader);
    else if (header.ledgerId !== this.ledgerId) {
      throw new WrongNetworkError(
        'WRONG_LEDGER',
        `this blob's policy lives on ledger '${header.ledgerId}', not on '${this.ledgerId}' that this network's key ` +
          'servers follow: open it with the network descriptor it was shared with',
      );
    } else if (reader?.scheme === 'eip712') {
      throw new WrongNetworkError(
        'NEEDS_BROWSER_IDENTITY',
        `this blob's policy lives on the embedded ledger '${this.ledgerId}', whose readers are Cachet identities ` +
          '(Ed25519), not Ethereum accounts: open it with a BrowserIdentity, not a wallet',
      );
    }
    const known = header.slots.filter((s) => this.keyServer(s.keyServerId)).length;
    if (known < header.threshold) {
      const unknown = header.slots.filter((s) => !this.keyServer(s.keyServerId)).map((s) => s.keyServerId);
      throw new WrongNetworkError(
        'UNKNOWN_KEY_SERVER',
        `this blob's key is split among key servers this network descriptor does not list (${unknown.join(', ')}); ` +
          `${header.threshold} of them must release a share and only ${known} are listed: open it with the network ` +
          'descriptor it was shared with',
      );
    }
  }

  #checkEvm(header, reader) {
    const chainId = this.chain.chainId;
    const m = /^eip155:([0-9]{1,16}):0x[0-9a-f]{40}$/.exec(header.ledgerId);
    if (!m || Number(m[1]) !== chainId) {
      throw new WrongNetworkError(
        'WRONG_LEDGER',
        `this blob's policy lives on ledger '${header.ledgerId}', not on the EVM chain ${chainId} that this network's ` +
          'key servers follow: open it with the network descriptor it was shared with',
      );
    }
    if (reader?.scheme !== 'eip712') {
      throw new WrongNetworkError(
        'NEEDS_EVM_WALLET',
        `this blob's policy lives on the EVM chain ${chainId} (${header.ledgerId}); its readers are Ethereum ` +
          'accounts, which sign their sessions with a wallet (EIP-712): connect a wallet (WalletIdentity.connect) ' +
          'and open it as that account',
      );
    }
    if (reader.chainId !== chainId) {
      throw new WrongNetworkError(
        'WRONG_CHAIN',
        `the wallet is on chain ${reader.chainId}, but this blob's policy lives on chain ${chainId}: switch the ` +
          `wallet to chain ${chainId} and connect again`,
      );
    }
  }
}

function bad(message) {
  throw new NetworkDescriptorError(message);
}

function object(v, path) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) bad(`${path} must be an object`);
  return v;
}

function integer(v, path, min, max) {
  if (!Number.isSafeInteger(v) || v < min || v > max) bad(`${path} must be an integer in ${min}..${max}`);
  return v;
}

function name(v, path) {
  if (typeof v !== 'string' || !NAME.test(v)) bad(`${path} must be 1 to 64 characters of [A-Za-z0-9._:-]`);
  return v;
}

function url(v, path) {
  let u;
  try {
    u = new URL(v);
  } catch {
    bad(`${path} must be an http(s) URL`);
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !u.hostname) bad(`${path} must be an http(s) URL with a host`);
  return v;
}

function ed25519Key(v, path) {
  let key;
  try {
    key = fromBase64Url(v, path);
  } catch {
    bad(`${path} is not an Ed25519 public key (URL-safe base64 of 32 bytes)`);
  }
  if (key.length !== 32) bad(`${path} is not an Ed25519 public key (URL-safe base64 of 32 bytes)`);
  return key;
}

function readChain(c) {
  if (c === undefined || c === null) return { kind: 'embedded' };
  object(c, 'chain');
  if (c.kind === 'embedded') return { kind: 'embedded' };
  if (c.kind !== 'evm') bad(`chain.kind must be "embedded" or "evm", was ${JSON.stringify(c.kind)}`);
  return {
    kind: 'evm',
    rpcUrl: url(c.rpcUrl, 'chain.rpcUrl'),
    chainId: integer(c.chainId, 'chain.chainId', 1, Number.MAX_SAFE_INTEGER),
    confirmations: c.confirmations === undefined ? 0 : integer(c.confirmations, 'chain.confirmations', 0, 1024),
    deployBlock: c.deployBlock === undefined ? 0 : integer(c.deployBlock, 'chain.deployBlock', 0, Number.MAX_SAFE_INTEGER),
    policies: evmAddress(c.policies, 'chain.policies'),
    blobRegistry: evmAddress(c.blobRegistry, 'chain.blobRegistry'),
  };
}

/** 0x and 40 hex digits, all lower, all upper, or correct EIP-55 mixed case. */
function evmAddress(v, path) {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(v)) bad(`${path} must be an EVM address (0x and 40 hex digits)`);
  const digits = v.slice(2);
  if (digits !== digits.toLowerCase() && digits !== digits.toUpperCase() && checksumAddress(v) !== v) {
    bad(`${path} must be an EVM address: ${v} fails its EIP-55 checksum; check it for a typo`);
  }
  return v;
}

function readLedger(l) {
  object(l, 'ledger');
  const genesis = l.genesisDigest;
  if (genesis !== undefined && genesis !== null && (typeof genesis !== 'string' || !/^0x[0-9a-f]{64}$/.test(genesis))) {
    bad('ledger.genesisDigest must be 0x and 64 lower-case hex digits');
  }
  return {
    url: url(l.url, 'ledger.url'),
    ledgerId: name(l.ledgerId, 'ledger.ledgerId'),
    sequencerKey: ed25519Key(l.sequencerKey, 'ledger.sequencerKey'),
    genesisDigest: genesis ?? null,
  };
}

function readKeyServers(k) {
  object(k, 'keyServers');
  if (!Array.isArray(k.servers) || k.servers.length < 1 || k.servers.length > MAX_KEY_SERVERS) {
    bad(`keyServers.servers must list 1..${MAX_KEY_SERVERS} key servers`);
  }
  const servers = k.servers.map((s, i) => {
    const path = `keyServers.servers[${i}]`;
    object(s, path);
    return Object.freeze({
      id: name(s.id, `${path}.id`),
      url: url(s.url, `${path}.url`),
      signingKey: ed25519Key(s.signingKey, `${path}.signingKey`),
    });
  });
  const ids = new Set(servers.map((s) => s.id));
  if (ids.size !== servers.length) bad('keyServers.servers lists one id twice');
  const threshold = integer(k.threshold, 'keyServers.threshold', 1, servers.length);
  return { threshold, servers };
}

