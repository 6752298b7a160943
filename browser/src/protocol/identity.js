// The reader's identity in the browser: an Ed25519 key pair made by WebCrypto with a private key
// that cannot be exported, kept in IndexedDB as the CryptoKey objects themselves (structured
// clone), so no script, this SDK's included, ever holds the secret bytes. Its address is the one
// the embedded ledger's policies list: BLAKE2b-256(0x00 || public key) (docs/FORMAT.md section 3).
import { blake2b256, id32Text } from '../codec.js';
import { CachetError } from '../errors.js';

const DATABASE = 'cachet-sdk';
const STORE = 'identities';
const ED25519 = { name: 'Ed25519' };

/** The byte naming the Ed25519 scheme in an address, as Sui derives addresses. */
const ED25519_SCHEME = 0x00;

export function ed25519Address(publicKey) {
  return blake2b256(Uint8Array.of(ED25519_SCHEME), publicKey);
}

export class BrowserIdentity {
  #keyPair;

  /** Use create(), loadOrCreate() or ephemeral(): they export the public key once. */
  constructor(keyPair, publicKey) {
    this.#keyPair = keyPair;
    /** The raw 32-byte Ed25519 public key. */
    this.publicKey = publicKey;
    /** The 32 address bytes. */
    this.addressBytes = ed25519Address(publicKey);
    /** '0x' + 64 hex digits: what an owner grants. */
    this.address = id32Text(this.addressBytes);
    /** The session-certificate scheme this identity signs (an EVM wallet would sign 'eip712'). */
    this.scheme = 'ed25519';
    Object.freeze(this);
  }

  /** A fresh identity, kept nowhere: it lives as long as the page (and in Node, the process). */
  static async create() {
    const keyPair = await crypto.subtle.generateKey(ED25519, false, ['sign', 'verify']);
    return BrowserIdentity.#of(keyPair);
  }

  /** Where IndexedDB is missing (Node, a worker without it): an in-memory identity. */
  static ephemeral() {
    return BrowserIdentity.create();
  }

  /**
   * The identity stored under `name` in this origin's IndexedDB, made and stored on first use.
   * Without IndexedDB, an ephemeral one: the reader's address then changes with each page load.
   */
  static async loadOrCreate(name = 'default') {
    if (typeof indexedDB === 'undefined') return BrowserIdentity.ephemeral();
    const db = await openDatabase();
    try {
      const stored = await request(db.transaction(STORE, 'readonly').objectStore(STORE).get(name));
      if (stored && stored.keyPair) return BrowserIdentity.fromStored(stored.keyPair, name);
      const keyPair = await crypto.subtle.generateKey(ED25519, false, ['sign', 'verify']);
      const tx = db.transaction(STORE, 'readwrite');
      // add, not put: two tabs making the first identity at once must not overwrite each other's
      tx.objectStore(STORE).add({ keyPair, createdAt: Date.now() }, name);
      try {
        await done(tx);
      } catch {
        const other = await request(db.transaction(STORE, 'readonly').objectStore(STORE).get(name));
        if (other && other.keyPair) return BrowserIdentity.fromStored(other.keyPair, name);
        throw new CachetError('IDENTITY_STORE', `the identity "${name}" could not be stored in this browser`);
      }
      return BrowserIdentity.#of(keyPair);
    } finally {
      db.close();
    }
  }

  /**
   * The identity of a key pair read from storage, once it is shown to be what this SDK stores: an
   * Ed25519 pair whose private key cannot be exported and only signs. A record written by an older
   * build, a test page or another script on the origin is refused, never used, and left in place
   * (deleting it would change the reader's address without their say).
   * @throws CachetError BAD_STORED_IDENTITY
   */
  static async fromStored(keyPair, name = 'default') {
    const refuse = (what) => {
      throw new CachetError(
        'BAD_STORED_IDENTITY',
        `the identity "${name}" stored in this browser ${what}, so it is not used. Clear this site's data ` +
          '(the reader\'s address then changes and owners must grant the new one), or use another identity name.',
      );
    };
    const { privateKey, publicKey } = keyPair ?? {};
    if (!(privateKey instanceof CryptoKey) || !(publicKey instanceof CryptoKey)) refuse('is not a pair of WebCrypto keys');
    if (privateKey.type !== 'private' || publicKey.type !== 'public') refuse('is not a private and a public key');
    if (privateKey.algorithm?.name !== 'Ed25519' || publicKey.algorithm?.name !== 'Ed25519') {
      refuse(`is a ${privateKey.algorithm?.name} key, not Ed25519`);
    }
    if (privateKey.extractable !== false) refuse('has a private key that can be exported');
    if (privateKey.usages.length !== 1 || privateKey.usages[0] !== 'sign') refuse(`has a private key for ${privateKey.usages.join(', ')}, not only sign`);
    // the two halves must belong together, or every certificate it signed would be refused
    const probe = crypto.getRandomValues(new Uint8Array(32));
    const signature = await crypto.subtle.sign(ED25519, privateKey, probe);
    const verifier = publicKey.usages.includes('verify')
      ? publicKey
      : await crypto.subtle.importKey('raw', await crypto.subtle.exportKey('raw', publicKey), ED25519, false, ['verify']);
    if (!(await crypto.subtle.verify(ED25519, verifier, signature, probe))) refuse('has a public key of another pair');
    return BrowserIdentity.#of(keyPair);
  }

  static async #of(keyPair) {
    const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', keyPair.publicKey));
    return new BrowserIdentity(keyPair, publicKey);
  }

  /** An Ed25519 signature (64 bytes) over `bytes`. */
  async sign(bytes) {
    return new Uint8Array(await crypto.subtle.sign(ED25519, this.#keyPair.privateKey, bytes));
  }
}

function openDatabase() {
  const open = indexedDB.open(DATABASE, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(STORE);
  return request(open);
}

function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}
