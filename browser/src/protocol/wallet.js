// The reader as an Ethereum account: an injected wallet (window.ethereum, or any EIP-1193 provider)
// signs each session certificate as EIP-712 typed data (session.js, Eip712SessionCertificate), and
// the session key, not the wallet, signs every fetch_key request. The wallet holds the secp256k1
// key; this SDK never sees it, and asks for one signature per session.
//
// A signature the wallet returns is checked before it is used, so a wallet that misbehaves is named
// here rather than by three key servers' BAD_SIGNATURE: 65 bytes, v 27 or 28, r and s in 1..n-1, a
// low s (EIP-2), then recovered to the account. No secp256k1 code is in our dependencies, so the
// recovery is asked of the chain itself: eth_call of the ecrecover precompile (address 0x01)
// through the wallet's own provider. A provider that cannot answer that call skips only that step;
// the key servers recover the signer anyway and refuse another one.
import { keccak_256 } from '@noble/hashes/sha3.js';
import { concat, fromHex, toHex, utf8 } from '../codec.js';
import { WalletError } from '../errors.js';
import { Eip712SessionCertificate } from './session.js';

/** secp256k1's group order n: r and s lie in 1..n-1, and s at most n/2 (EIP-2). */
const ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_ORDER = ORDER >> 1n;

/** The ecrecover precompile: digest ‖ v ‖ r ‖ s in, the signer's address as a 32-byte word out. */
const ECRECOVER = '0x0000000000000000000000000000000000000001';

/** EIP-1193's code for "the user rejected the request". */
const USER_REJECTED = 4001;

/** An EVM address with the EIP-55 mixed-case checksum, from its 40 hex digits (any case). */
export function checksumAddress(address) {
  if (typeof address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(address)) {
    throw new RangeError(`an EVM address is 0x and 40 hex digits, not ${JSON.stringify(String(address).slice(0, 50))}`);
  }
  const lower = address.slice(2).toLowerCase();
  const hash = toHex(keccak_256(utf8(lower)));
  let out = '0x';
  for (let i = 0; i < 40; i++) out += parseInt(hash[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i];
  return out;
}

/** The 32-byte ABI word of an EVM address: 12 zero bytes, then its 20. */
function addressWord(address) {
  const out = new Uint8Array(32);
  out.set(fromHex(address), 12);
  return out;
}

export class WalletIdentity {
  #provider;
  #checkSigner;

  /** Use WalletIdentity.connect. */
  constructor(provider, address, chainId, { checkSigner = true } = {}) {
    this.#provider = provider;
    this.#checkSigner = checkSigner;
    /** The session-certificate scheme this identity signs. */
    this.scheme = 'eip712';
    /** The account, EIP-55: what an owner grants. */
    this.address = checksumAddress(address);
    /** The 32-byte ABI word of the account, as receipts name their requester. */
    this.addressBytes = addressWord(this.address);
    /** The chain the wallet was on when it connected; certify refuses to sign for another. */
    this.chainId = chainId;
    Object.freeze(this);
  }

  /**
   * Asks the wallet for its accounts (eth_requestAccounts: a wallet shows its connect prompt) and
   * its chain, and takes the first account.
   * @param {{request: (args: {method: string, params?: unknown[]}) => Promise<unknown>}} provider EIP-1193
   * @param {{checkSigner?: boolean}} [options] checkSigner false skips the eth_call that recovers the signer
   * @throws {WalletError} NO_WALLET, WALLET_REJECTED, NO_WALLET_ACCOUNT, WALLET_ERROR
   */
  static async connect(provider, options) {
    if (!provider || typeof provider.request !== 'function') {
      throw new WalletError('NO_WALLET', 'no Ethereum wallet is available here (window.ethereum is missing): install or unlock a wallet and reload');
    }
    const accounts = await ask(provider, 'eth_requestAccounts', [], 'share its accounts');
    if (!Array.isArray(accounts) || accounts.length === 0) {
      throw new WalletError('NO_WALLET_ACCOUNT', 'the wallet shared no account: unlock it, choose an account and connect again');
    }
    if (typeof accounts[0] !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(accounts[0])) {
      throw new WalletError('WALLET_ERROR', `the wallet named an account that is not an EVM address: ${JSON.stringify(accounts[0]).slice(0, 60)}`);
    }
    const chainId = await currentChain(provider);
    return new WalletIdentity(provider, accounts[0], chainId, options);
  }

  /**
   * Has the wallet sign a session certificate for `sessionKey` (eth_signTypedData_v4: the wallet
   * shows the fields and asks its owner), and checks the signature before returning it.
   * @returns {Promise<Eip712SessionCertificate>}
   * @throws {WalletError} WRONG_CHAIN, WALLET_REJECTED, BAD_SIGNATURE, WRONG_SIGNER, WALLET_ERROR
   */
  async certify({ sessionKey, createdAtMillis, ttlSeconds, audience }) {
    const now = await currentChain(this.#provider);
    if (now !== this.chainId) {
      throw new WalletError(
        'WRONG_CHAIN',
        `the wallet is now on chain ${now}, not chain ${this.chainId} it connected on: switch it back to chain ${this.chainId} and try again`,
      );
    }
    const unsigned = new Eip712SessionCertificate({
      chainId: this.chainId,
      addressBytes: this.addressBytes,
      address: this.address,
      sessionKey,
      createdAtMillis,
      ttlSeconds,
      audience,
    });
    const signed = await ask(
      this.#provider,
      'eth_signTypedData_v4',
      [this.address.toLowerCase(), JSON.stringify(unsigned.typedData())],
      'sign the session',
    );
    const digest = unsigned.typedDataDigest();
    const signature = canonicalSignature(signed);
    if (this.#checkSigner) await this.#checkRecovered(digest, signature);
    return new Eip712SessionCertificate({ ...unsigned, signature });
  }

  async #checkRecovered(digest, signature) {
    const input = concat(digest, wordOf(signature[64]), signature.subarray(0, 64));
    let answer;
    try {
      answer = await this.#provider.request({
        method: 'eth_call',
        params: [{ to: ECRECOVER, data: '0x' + toHex(input) }, 'latest'],
      });
    } catch {
      return; // this wallet cannot call the chain: the key servers still recover the signer
    }
    if (answer === '0x' || answer === null) {
      throw new WalletError('BAD_SIGNATURE', `the wallet's signature of the session recovers no account; no key server would accept it`);
    }
    if (typeof answer !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(answer)) return;
    const signer = checksumAddress('0x' + answer.slice(26));
    if (signer !== this.address) {
      throw new WalletError(
        'WRONG_SIGNER',
        `the wallet signed the session as ${signer}, not as the connected account ${this.address}: ` +
          'choose that account in the wallet (or connect again with the account you mean) and try again',
      );
    }
  }
}

/**
 * The 65 bytes r ‖ s ‖ v of a wallet's answer, in the one spelling key servers accept. Many wallets
 * (hardware wallets and some libraries) return v as 0 or 1, the bare recovery id; it names the same
 * signature as 27 or 28, so it is shifted. A high s is not flipped: a wallet that makes one does not
 * follow EIP-2, and its answer is refused.
 */
export function canonicalSignature(answer) {
  if (typeof answer !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(answer)) {
    throw new WalletError('BAD_SIGNATURE', `the wallet's answer is not a 65-byte signature (0x and 130 hex digits): ${String(answer).slice(0, 40)}`);
  }
  const signature = fromHex(answer);
  if (signature[64] === 0 || signature[64] === 1) signature[64] += 27;
  if (signature[64] !== 27 && signature[64] !== 28) {
    throw new WalletError('BAD_SIGNATURE', `the wallet's signature has v = ${signature[64]}; only 27 or 28 (or 0 or 1) is a signature`);
  }
  const r = BigInt('0x' + toHex(signature.subarray(0, 32)));
  const s = BigInt('0x' + toHex(signature.subarray(32, 64)));
  if (r === 0n || r >= ORDER || s === 0n || s >= ORDER) {
    throw new WalletError('BAD_SIGNATURE', "the wallet's signature has r or s out of range");
  }
  if (s > HALF_ORDER) {
    throw new WalletError('BAD_SIGNATURE', "the wallet's signature has a high s, which key servers refuse (EIP-2): use a wallet that signs with low s");
  }
  return signature;
}

function wordOf(byte) {
  const out = new Uint8Array(32);
  out[31] = byte;
  return out;
}

/** The wallet's chain id as a number (eth_chainId answers a hex string). */
async function currentChain(provider) {
  const answer = await ask(provider, 'eth_chainId', [], 'name its chain');
  const id = typeof answer === 'string' && /^0x[0-9a-fA-F]{1,13}$/.test(answer) ? Number.parseInt(answer, 16) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new WalletError('WALLET_ERROR', `the wallet named its chain as ${JSON.stringify(answer)}, not a chain id`);
  }
  return id;
}

/** One EIP-1193 request, its failure a WalletError: the owner's refusal apart from anything else. */
async function ask(provider, method, params, what) {
  try {
    return await provider.request({ method, params });
  } catch (e) {
    if (e?.code === USER_REJECTED) {
      throw new WalletError('WALLET_REJECTED', `the wallet's owner declined to ${what}`, { cause: e });
    }
    throw new WalletError('WALLET_ERROR', `the wallet could not ${what} (${method}): ${e?.message ?? e}`, { cause: e });
  }
}
