package io.cachet.client;

import io.cachet.common.http.BoundedBody;
import io.cachet.crypto.Address;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.DataKey;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.Hex;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.Requester;
import io.cachet.crypto.SealParameters;
import io.cachet.policy.LedgerClient;
import io.cachet.policy.Policy;
import io.cachet.policy.PolicyChain;
import io.cachet.policy.PolicyRef;
import io.cachet.policy.Window;
import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.BlobStore;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.StoreResult;
import io.cachet.storage.quilt.QuiltPatchId;
import io.cachet.storage.walrus.WalrusBlobStore;
import io.cachet.storage.walrus.WalrusConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What an application embeds to use Cachet: seal and store, open, and manage policies, as one
 * identity on one network. Policies are written through a {@link PolicyChain} (the embedded
 * ledger, or an EVM chain), which {@link #policies()} gives; the writes that change who may read
 * (create, grant, change a window, revoke) are also here, so that this client's later key fetches
 * ask the key servers to decide at the height those writes committed at or above.
 *
 * <pre>{@code
 * try (CachetClient alice = CachetClient.open(ClientConfig.load(Path.of("cachet-network.json")), aliceIdentity)) {
 *   PolicyId policy = alice.createAllowList();
 *   alice.grant(policy, bobAddress, Window.ALWAYS);
 *   BlobId blob = alice.put(Path.of("report.pdf"), policy, 5).blobId();
 * }
 * try (CachetClient bob = CachetClient.open(config, bobIdentity); InputStream in = bob.open(blob)) { ... }
 * }</pre>
 *
 * <p>Guarantees: the plaintext is sealed on this machine and only ciphertext leaves it; a read
 * returns only bytes that authenticated under a data key that matches the envelope's commitment
 * (a stream fails with an IOException at the first bad segment, before releasing its bytes);
 * nothing holds a whole file in memory. Blocking calls, safe from any number of application
 * threads; never call them from a Vert.x event loop. Data keys fetched once are kept for the life
 * of the client and destroyed by {@link #close}, so a reader whose access is revoked keeps what
 * this session already opened, as with any key once released; a new session asks again.
 */
public final class CachetClient implements AutoCloseable {
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final ClientConfig config;
  private final PolicyChain chain;
  private final Requester requester;
  private final Vertx vertx;
  /** The key servers' client: the core one, whose answers are read within a cap ({@link BoundedBody}). */
  private final HttpClient http;
  /** The embedded ledger's client the key fetcher reads heads from; closed here only if made here. */
  private final LedgerClient heads;
  private final boolean ownsHeads;
  private final BlobStore store;
  private final ExecutorService workers;
  private final KeyFetcher keys;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, DataKey> keyCache = new ConcurrentHashMap<>();
  private final SealingKeys sealing;
  private final Clock clock;
  /** A chain-bound copy of the caller's key that {@link #openAs} made, destroyed on close; else null. */
  private javax.security.auth.Destroyable ownedRequester;

  private CachetClient(ClientConfig config, Vertx vertx, PolicyChain chain, Requester requester, Clock clock,
      Path descriptorCache) {
    this.config = config;
    this.vertx = vertx;
    this.chain = Objects.requireNonNull(chain, "chain");
    this.requester = Objects.requireNonNull(requester, "requester");
    this.clock = clock;
    if (!chain.envelopeLedgerId().equals(config.ledgerId())) {
      throw new IllegalArgumentException("the chain seals under '" + chain.envelopeLedgerId() + "', but the network"
          + " descriptor names '" + config.ledgerId() + "'");
    }
    if (!chain.address().equals(requester.address())) {
      throw new IllegalArgumentException("the chain writes as " + chain.address() + " but key servers would be asked"
          + " as " + requester.address() + ": one client acts as one identity");
    }
    if (chain instanceof EmbeddedPolicyChain embedded) {
      this.heads = embedded.ledgerClient();
      this.ownsHeads = false;
    } else if (!config.chain().isEvm()) {
      this.heads = new LedgerClient(vertx, config.ledgerUrl().toString());
      this.ownsHeads = true;
    } else {
      this.heads = null;
      this.ownsHeads = false;
    }
    this.http = vertx.createHttpClient(new HttpClientOptions()
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.requestTimeout().toMillis())));
    // On the client's own Vert.x: one event loop group for key servers, ledger and storage.
    this.store = new WalrusBlobStore(WalrusConfig.of(config.publisher().toString(), config.aggregator().toString()),
        vertx);
    this.workers = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
      Thread t = new Thread(r, "cachet-client-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.keys = new KeyFetcher(vertx, heads != null ? KeyFetcher.HeadSource.of(heads) : confirmedHead(vertx, chain,
        config.chain().confirmations()), config, requester, http, workers, random, clock);
    this.sealing = new SealingKeys(config, http, descriptorCache);
  }

  /**
   * An EVM chain's head less its confirmations: the newest block key servers decide at. Read off
   * the event loop (web3j blocks).
   */
  private static KeyFetcher.HeadSource confirmedHead(Vertx vertx, PolicyChain chain, int confirmations) {
    return () -> vertx.executeBlocking(() -> Math.max(-1L, chain.head().height() - confirmations), false);
  }

  private static Vertx newVertx() {
    return Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2));
  }

  /** A client on the embedded ledger whose policies are written as {@code identity}. */
  private static CachetClient embedded(ClientConfig config, Identity identity, Clock clock, Path descriptorCache) {
    Vertx vertx = newVertx();
    EmbeddedPolicyChain chain = null;
    try {
      chain = new EmbeddedPolicyChain(config, identity, vertx, false);
      return new CachetClient(config, vertx, chain, identity, clock, descriptorCache);
    } catch (RuntimeException e) {
      if (chain != null) {
        chain.close();
      }
      vertx.close();
      throw e;
    }
  }

  /**
   * A client acting as {@code identity} on the embedded ledger the descriptor names; the client
   * does not destroy the identity (the caller owns it).
   */
  public static CachetClient open(ClientConfig config, Identity identity) {
    return embedded(config, identity, Clock.systemUTC(), null);
  }

  /**
   * As {@link #open(ClientConfig, Identity)}, keeping the key servers' service descriptors in
   * {@code descriptorCache}, so that a later client can seal while a key server is down. A cached
   * descriptor is used only when its server cannot be reached, and only after it verifies again
   * under the pinned key; a server that answers always wins (it may have rotated its key).
   */
  public static CachetClient open(ClientConfig config, Identity identity, Path descriptorCache) {
    return embedded(config, identity, Clock.systemUTC(), descriptorCache);
  }

  /** As {@link #open(ClientConfig, Identity)} with the clock that dates requests and sessions (tests). */
  public static CachetClient open(ClientConfig config, Identity identity, Clock clock) {
    return embedded(config, identity, clock, null);
  }

  /**
   * A client writing policies through {@code chain} (from {@link PolicyChains#open}) and asking key
   * servers as {@code requester}; the client closes the chain, not the requester (if this throws,
   * the caller still owns the chain). {@code descriptorCache} may be null, as in {@link
   * #open(ClientConfig, Identity, Path)}.
   *
   * @throws IllegalArgumentException if the chain is not the descriptor's, or writes as another
   *     address than {@code requester}'s
   */
  public static CachetClient open(ClientConfig config, PolicyChain chain, Requester requester, Clock clock,
      Path descriptorCache) {
    Vertx vertx = newVertx();
    try {
      return new CachetClient(config, vertx, chain, requester, clock, descriptorCache);
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
  }

  /**
   * A client acting as {@code who} on whichever chain the descriptor names: an Ed25519 {@link
   * Identity} on the embedded ledger, an {@link io.cachet.crypto.EvmIdentity} on an EVM chain (bound
   * here to the descriptor's chain id, so the caller need not). The caller keeps owning {@code
   * who}; the client owns and destroys its own chain-bound copy.
   *
   * @throws IllegalArgumentException if {@code who} is not the kind of identity the chain signs with
   * @throws java.io.UncheckedIOException if an EVM chain's RPC does not answer
   */
  public static CachetClient openAs(ClientConfig config, Requester who, Clock clock, Path descriptorCache) {
    if (!config.chain().isEvm()) {
      if (!(who instanceof Identity identity)) {
        throw new IllegalArgumentException("the embedded ledger takes an Ed25519 identity; " + who.address()
            + " is not one");
      }
      return embedded(config, identity, clock, descriptorCache);
    }
    if (!(who instanceof io.cachet.crypto.EvmIdentity evm)) {
      throw new IllegalArgumentException("an EVM chain takes an EVM identity (secp256k1); " + who.address()
          + " is not one: create one with 'cachet id new NAME --evm', or pick one with --as");
    }
    io.cachet.crypto.EvmIdentity bound = evm.onChain(config.chain().chainId());
    PolicyChain chain = null;
    try {
      chain = PolicyChains.open(config, bound);
      CachetClient c = open(config, chain, bound, clock, descriptorCache);
      c.ownedRequester = bound;
      return c;
    } catch (RuntimeException e) {
      if (chain != null) {
        chain.close();
      }
      bound.destroy();
      throw e;
    }
  }

  public Address address() {
    return requester.address();
  }

  public ClientConfig config() {
    return config;
  }

  // ---------------------------------------------------------------- storing

  /** Seals and stores a file under {@code policy}, one of the chain's own, for {@code epochs} storage epochs. */
  public StoredObject put(Path file, PolicyId policy, int epochs) throws IOException, CachetSecurityException {
    return put(file, new PolicyRef(chain.envelopeLedgerId(), policy), epochs);
  }

  /** As {@link #put(Path, PolicyId, int)} under a policy of any contract on the chain (see {@link #put(InputStream, long, PolicyRef, int)}). */
  public StoredObject put(Path file, PolicyRef policy, int epochs) throws IOException, CachetSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      return put(in, Files.size(file), policy, epochs);
    }
  }

  /**
   * Seals exactly {@code length} bytes of {@code plaintext} under {@code policy} and stores the
   * envelope. The data key is split among the network's key servers, each share sealed to the key
   * the server advertises (verified under its pinned signing key). Returns once the storage
   * network certified the blob.
   *
   * <p>The policy is looked up on the ledger first: an unknown one is refused with {@link
   * UnknownPolicyException} before a byte of {@code plaintext} is read. If this identity could
   * not open the blob now (not on the allow-list, a time lock still closed), the put proceeds and
   * {@link StoredObject#warnings} says so.
   */
  public StoredObject put(InputStream plaintext, long length, PolicyId policy, int epochs)
      throws IOException, CachetSecurityException {
    return put(plaintext, length, new PolicyRef(chain.envelopeLedgerId(), policy), epochs);
  }

  /**
   * As {@link #put(InputStream, long, PolicyId, int)}, sealing under {@code policy}'s ledger id:
   * the chain's own ({@link PolicyChain#envelopeLedgerId()}), or on an EVM chain an app's own
   * policy contract ({@code eip155:<chain id>:<contract>}, {@link io.cachet.crypto.EvmLedgerId}), on
   * the same chain. A policy of an app's contract is not looked up before sealing (the client
   * knows only the stock contract's policies), so neither the unknown-policy refusal nor the
   * warnings apply to it.
   *
   * @throws IllegalArgumentException if {@code policy} names another ledger or chain than this
   *     client's, or an app's contract while the client is on the embedded ledger
   */
  public StoredObject put(InputStream plaintext, long length, PolicyRef policy, int epochs)
      throws IOException, CachetSecurityException {
    List<SealWarning> warnings = SealCheck.beforeSealing(config, chain, requester, policy);
    SealParameters params = new SealParameters(policy.ledgerId(), policy.policyId(), config.threshold(),
        sealing.keys());
    SealingPipe pipe = new SealingPipe();
    java.util.concurrent.Future<EnvelopeHeader> sealing = workers.submit(() -> {
      try {
        EnvelopeHeader h = Envelope.seal(params, plaintext, length, pipe.sink, random);
        pipe.sink.close();
        return h;
      } catch (Throwable t) {
        pipe.fail(t);
        throw t;
      }
    });
    StoreResult stored;
    try {
      stored = store.store(BlobSource.ofStream(pipe.source, -1), StoreOptions.epochs(epochs));
    } catch (IOException e) {
      pipe.source.close();
      // the sealer's own failure (the plaintext could not be read) is the cause; its failing because
      // the upload stopped reading is only the upload's failure seen from the other side
      Throwable sealFailure = failureOf(sealing);
      if (sealFailure instanceof IOException io && !(sealFailure instanceof SealingPipe.ReaderGone)) {
        throw io;
      }
      throw e;
    } finally {
      pipe.source.close();
    }
    EnvelopeHeader header = await(sealing);
    return new StoredObject(stored.blobId(), header.objectId(), policy.policyId(), length, header.envelopeLength(),
        stored.endEpoch(), warnings);
  }

  /**
   * Seals each file under {@code policy} as its own envelope (its own data key and object id) and
   * stores them all as one quilt, for {@code epochs} storage epochs. The map's keys are the files'
   * identifiers in the quilt (Walrus's rules: unique, not starting with {@code _}, no control
   * characters, no trailing whitespace) and its iteration order is the quilt's order (use a
   * {@link java.util.LinkedHashMap} or a sorted map). Identifiers are checked, and the policy as
   * in {@link #put(InputStream, long, PolicyRef, int)}, before any file is read. Small sealed files
   * wait for the upload in memory, larger ones in a private temporary directory (see
   * docs/CLIENT.md, "Quilts in the SDK"). Returns one result per file, in order.
   *
   * @throws IllegalArgumentException for an identifier the quilt cannot carry, naming it
   */
  public List<StoredPatch> putQuilt(Map<String, Path> files, PolicyId policy, int epochs)
      throws IOException, CachetSecurityException {
    return putQuilt(files, new PolicyRef(chain.envelopeLedgerId(), policy), epochs);
  }

  /** As {@link #putQuilt(Map, PolicyId, int)} under a policy of any contract on the chain. */
  public List<StoredPatch> putQuilt(Map<String, Path> files, PolicyRef policy, int epochs)
      throws IOException, CachetSecurityException {
    QuiltPut.checkIdentifiers(files);
    List<SealWarning> warnings = SealCheck.beforeSealing(config, chain, requester, policy);
    SealParameters params = new SealParameters(policy.ledgerId(), policy.policyId(), config.threshold(),
        sealing.keys());
    return QuiltPut.put(store, params, random, files, epochs, warnings);
  }

  private static Throwable failureOf(java.util.concurrent.Future<?> f) {
    try {
      f.get(30, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e;
    } catch (TimeoutException e) {
      f.cancel(true);
      return e;
    }
  }

  private static EnvelopeHeader await(java.util.concurrent.Future<EnvelopeHeader> f) throws IOException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      throw new IOException("sealing failed: " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while sealing");
    }
  }

  // ---------------------------------------------------------------- reading

  /**
   * The envelope header of a stored blob: policy, object, sizes, key servers. Needs no key. Reads
   * the blob's size (HEAD) and then only its first bytes, never the body.
   */
  public EnvelopeHeader header(BlobId blob) throws IOException, CachetSecurityException {
    long size = store.size(blob);
    try (InputStream in = size == 0 ? InputStream.nullInputStream()
        : store.read(blob, 0, Math.min(EnvelopeHeader.MAX_HEADER_BYTES, size))) {
      return EnvelopeHeader.read(in);
    }
  }

  /** The envelope header of one file of a quilt, by its patch id. Needs no key. */
  public EnvelopeHeader header(QuiltPatchId patch) throws IOException, CachetSecurityException {
    try (InputStream in = store.readPatch(patch)) {
      return EnvelopeHeader.read(in);
    }
  }

  /** The whole plaintext of a blob, streamed and authenticated segment by segment. */
  public InputStream open(BlobId blob) throws IOException, CachetSecurityException {
    return openEnvelope(store.read(blob));
  }

  /**
   * The whole plaintext of one file of a quilt, by its patch id: authenticated as {@link
   * #open(BlobId)}, under the policy its own envelope names (so a patch id altered to another
   * file of the quilt opens that file only for a reader its policy allows).
   */
  public InputStream open(QuiltPatchId patch) throws IOException, CachetSecurityException {
    return openEnvelope(store.readPatch(patch));
  }

  /** The plaintext of the envelope {@code in} streams; closes {@code in} if it fails. */
  private InputStream openEnvelope(InputStream in) throws IOException, CachetSecurityException {
    try {
      EnvelopeHeader header = EnvelopeHeader.read(in);
      InputStream plain = Envelope.openStream(header, dataKey(header), in);
      return new FilterInputStream(plain) {
        @Override
        public void close() throws IOException {
          try {
            super.close();
          } finally {
            in.close();
          }
        }
      };
    } catch (IOException | CachetSecurityException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  /**
   * {@code length} plaintext bytes from {@code offset}: only the header and the body segments that
   * hold them are fetched (plus the first and last segment, which the envelope reader
   * authenticates to pin the length). A range past the end is an IllegalArgumentException.
   */
  public InputStream open(BlobId blob, long offset, long length) throws IOException, CachetSecurityException {
    EnvelopeHeader header = header(blob);
    if (offset < 0 || length < 0 || offset > header.plaintextLength() || length > header.plaintextLength() - offset) {
      throw new IllegalArgumentException("range " + offset + "+" + length + " is outside the plaintext's "
          + header.plaintextLength() + " bytes");
    }
    SeekableByteChannel remote = new RemoteBlobChannel(store, blob, header.envelopeLength());
    SeekableByteChannel plain;
    try {
      plain = Envelope.openChannel(header, dataKey(header), remote);
      plain.position(offset);
    } catch (IOException | CachetSecurityException | RuntimeException e) {
      remote.close();
      throw e;
    }
    return new PlaintextRange(Channels.newInputStream(plain), length, remote);
  }

  /** The data key of an envelope: from this session's cache, else from the key servers. */
  private DataKey dataKey(EnvelopeHeader header) throws IOException, CachetSecurityException {
    String cacheKey = header.objectId() + "/" + Hex.to0x(header.dekCommitment());
    DataKey cached = keyCache.get(cacheKey);
    if (cached != null) {
      return cached;
    }
    DataKey key = join(keys.fetch(header));
    DataKey raced = keyCache.putIfAbsent(cacheKey, key);
    if (raced != null) {
      key.destroy();
      return raced;
    }
    return key;
  }

  /** How many data keys this session holds (for tests and metrics). */
  public int cachedKeys() {
    return keyCache.size();
  }

  // ---------------------------------------------------------------- policies

  /**
   * The chain this client writes policies to, for what is not below: admins, ownership, token
   * gates and composites, the head. Writes made there do not raise {@link #knownLedgerHeight()}.
   */
  public PolicyChain policies() {
    return chain;
  }

  /** Creates an allow-list owned by this identity, with no members; returns its id once committed. */
  public PolicyId createAllowList() throws IOException, CachetSecurityException {
    return chain.createAllowList();
  }

  /** Creates a time lock owned by this identity that opens at {@code unlockAt}. */
  public PolicyId createTimeLock(Instant unlockAt) throws IOException, CachetSecurityException {
    return chain.createTimeLock(unlockAt);
  }

  /**
   * Adds {@code member} to an allow-list with {@code window}; fails if they are a member already.
   * A window that has already ended, or ends before it starts, is refused with {@link
   * GrantWindowException} before anything is signed. Returns the height of the block that
   * committed it; this client's later key fetches ask key servers to decide at that height or above.
   */
  public long grant(PolicyId policy, Address member, Window window) throws IOException, CachetSecurityException {
    return grant(policy, member, window, EndedWindows.REFUSE);
  }

  /** As {@link #grant(PolicyId, Address, Window)}; {@link EndedWindows#ACCEPT} lets a window that is over through. */
  public long grant(PolicyId policy, Address member, Window window, EndedWindows ended)
      throws IOException, CachetSecurityException {
    GrantWindows.check(chain, window, ended, clock);
    return committed(chain.grant(policy, member, window));
  }

  /** Replaces a member's window; an ended or inverted one is refused as by {@link #grant(PolicyId, Address, Window)}. */
  public long changeWindow(PolicyId policy, Address member, Window window) throws IOException, CachetSecurityException {
    return changeWindow(policy, member, window, EndedWindows.REFUSE);
  }

  /** As {@link #changeWindow(PolicyId, Address, Window)}; {@link EndedWindows#ACCEPT} lets a window that is over through. */
  public long changeWindow(PolicyId policy, Address member, Window window, EndedWindows ended)
      throws IOException, CachetSecurityException {
    GrantWindows.check(chain, window, ended, clock);
    return committed(chain.changeWindow(policy, member, window));
  }

  /** Removes a member; key servers refuse them from the block that commits this on. */
  public long revoke(PolicyId policy, Address member) throws IOException, CachetSecurityException {
    return committed(chain.revoke(policy, member));
  }

  /** The height of a block this client's write is in; key fetches from now on sign at least it. */
  private long committed(long height) {
    keys.sawHeight(height);
    return height;
  }

  /**
   * The ledger height this client's key fetches sign as the lowest they need decided: the highest
   * it knows to be committed (its own writes, ledger heads it read); -1 before it knows any.
   */
  public long knownLedgerHeight() {
    return keys.knownHeight();
  }

  /** The policy as the chain holds it now. */
  public Policy policy(PolicyId id) throws IOException, CachetSecurityException {
    return chain.policy(id);
  }

  // ---------------------------------------------------------------- plumbing

  private <T> T join(Future<T> f) throws IOException, CachetSecurityException {
    return Await.join(f, config.requestTimeout(), config.ledgerUrl());
  }

  /** Destroys the cached data keys and stops the client's threads. */
  @Override
  public void close() {
    keyCache.values().forEach(DataKey::destroy);
    keyCache.clear();
    store.close();
    if (ownsHeads) {
      heads.close();
    }
    chain.close();
    http.close();
    workers.shutdownNow();
    vertx.close();
    if (ownedRequester != null) {
      try {
        ownedRequester.destroy();
      } catch (javax.security.auth.DestroyFailedException e) {
        // the key's bytes were zeroed as far as Java lets us; nothing more to do
      }
    }
  }

  @Override
  public String toString() {
    return "CachetClient{" + requester.address() + " on " + config + "}";
  }

}
