package io.cachet.client;

import io.cachet.common.io.DurableFiles;
import io.cachet.common.http.BoundedBody;
import io.cachet.crypto.Address;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.DataKey;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.Hex;
import io.cachet.crypto.Identity;
import io.cachet.crypto.KeyServerKey;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.SealParameters;
import io.cachet.crypto.protocol.ServiceDescriptor;
import io.cachet.policy.LedgerClient;
import io.cachet.policy.LedgerRef;
import io.cachet.policy.LedgerState;
import io.cachet.policy.Operation;
import io.cachet.policy.Policy;
import io.cachet.policy.Reason;
import io.cachet.policy.Sequencer;
import io.cachet.policy.Transaction;
import io.cachet.policy.TransactionRefusedException;
import io.cachet.policy.Window;
import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.BlobStore;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.StoreResult;
import io.cachet.storage.walrus.WalrusBlobStore;
import io.cachet.storage.walrus.WalrusConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What an application embeds to use Cachet: seal and store, open, and manage policies, as one
 * identity on one network.
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
  /** Most bytes of a key server's service descriptor: its keys, id, version and proof are well under 1 KiB. */
  private static final int MAX_SERVICE_ANSWER_BYTES = 64 << 10;

  private final ClientConfig config;
  private final Identity identity;
  private final Vertx vertx;
  /** The key servers' client: the core one, whose answers are read within a cap ({@link BoundedBody}). */
  private final HttpClient http;
  private final LedgerClient ledger;
  private final BlobStore store;
  private final ExecutorService workers;
  private final KeyFetcher keys;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, DataKey> keyCache = new ConcurrentHashMap<>();
  private final Map<String, KeyServerKey> sealingKeys = new ConcurrentHashMap<>();
  private final Object txLock = new Object();
  /** The ledger transactions are signed for; read once by {@link #ledger()}. */
  private volatile LedgerRef ledgerRef;
  private final Path descriptorCache;
  private final Clock clock;

  private CachetClient(ClientConfig config, Identity identity, Clock clock, Path descriptorCache) {
    this.config = config;
    this.identity = identity;
    this.descriptorCache = descriptorCache;
    this.clock = clock;
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2));
    this.http = vertx.createHttpClient(new HttpClientOptions()
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.requestTimeout().toMillis())));
    this.ledger = new LedgerClient(vertx, config.ledgerUrl().toString());
    this.store = new WalrusBlobStore(WalrusConfig.of(config.publisher().toString(), config.aggregator().toString()));
    this.workers = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
      Thread t = new Thread(r, "cachet-client-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.keys = new KeyFetcher(vertx, ledger, config, identity, http, workers, random, clock);
  }

  /** A client acting as {@code identity}; the client does not destroy it (the caller owns it). */
  public static CachetClient open(ClientConfig config, Identity identity) {
    return new CachetClient(config, identity, Clock.systemUTC(), null);
  }

  /**
   * As {@link #open(ClientConfig, Identity)}, keeping the key servers' service descriptors in
   * {@code descriptorCache}, so that a later client can seal while a key server is down. A cached
   * descriptor is used only when its server cannot be reached, and only after it verifies again
   * under the pinned key; a server that answers always wins (it may have rotated its key).
   */
  public static CachetClient open(ClientConfig config, Identity identity, Path descriptorCache) {
    return new CachetClient(config, identity, Clock.systemUTC(), descriptorCache);
  }

  /** As {@link #open(ClientConfig, Identity)} with the clock that dates requests and sessions (tests). */
  public static CachetClient open(ClientConfig config, Identity identity, Clock clock) {
    return new CachetClient(config, identity, clock, null);
  }

  public Address address() {
    return identity.address();
  }

  public ClientConfig config() {
    return config;
  }

  // ---------------------------------------------------------------- storing

  /** Seals and stores a file under {@code policy} for {@code epochs} storage epochs. */
  public StoredObject put(Path file, PolicyId policy, int epochs) throws IOException, CachetSecurityException {
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
    List<SealWarning> warnings = checkBeforeSealing(policy);
    SealParameters params = new SealParameters(config.ledgerId(), policy, config.threshold(), sealingKeys());
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
      Throwable sealFailure = failureOf(sealing);
      if (sealFailure instanceof IOException io) {
        throw io;
      }
      throw e;
    } finally {
      pipe.source.close();
    }
    EnvelopeHeader header = await(sealing);
    return new StoredObject(stored.blobId(), header.objectId(), policy, length, header.envelopeLength(),
        stored.endEpoch(), warnings);
  }

  /**
   * The policy must be on the ledger, else nobody could ever open what is sealed under it; and
   * whether this identity could open it now, judged at the ledger's head.
   */
  private List<SealWarning> checkBeforeSealing(PolicyId id) throws IOException, CachetSecurityException {
    Policy found;
    try {
      found = join(ledger.policy(id));
    } catch (LedgerRefusedException e) {
      if (UnknownPolicyException.REASON.equals(e.reason())) {
        throw new UnknownPolicyException(id, config.ledgerId());
      }
      throw e;
    }
    JsonObject head = join(ledger.head());
    return SealCheck.warnings(found, identity.address(), head.getLong("timestamp"), head.getLong("height"));
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

  /**
   * Every key server's current HPKE key, from its {@code /v1/service} descriptor, accepted only if
   * the descriptor's proof verifies and it is signed by the pinned key under the pinned id. Fetched
   * once per client; sealing needs all of them, so a server that cannot be reached stops a put.
   */
  private List<KeyServerKey> sealingKeys() throws IOException, CachetSecurityException {
    List<Future<KeyServerKey>> pending = new ArrayList<>();
    for (ClientConfig.KeyServer server : config.keyServers()) {
      KeyServerKey known = sealingKeys.get(server.id());
      RequestOptions get = new RequestOptions().setMethod(HttpMethod.GET)
          .setAbsoluteURI(server.url().resolve("/v1/service").toString())
          .setIdleTimeout(config.requestTimeout().toMillis());
      pending.add(known != null ? Future.succeededFuture(known) : BoundedBody.exchange(http, get, null,
          "a key server's service descriptor", MAX_SERVICE_ANSWER_BYTES).compose(r -> {
            if (r.status() != 200) {
              return Future.failedFuture(new IOException("answered HTTP " + r.status()
                  + " for its service descriptor"));
            }
            try {
              String descriptor = r.body().toString(StandardCharsets.UTF_8);
              KeyServerKey k = trusted(server, descriptor);
              remember(server, descriptor);
              return Future.succeededFuture(k);
            } catch (CachetSecurityException e) {
              return Future.failedFuture(e);
            }
          }));
    }
    List<KeyServerKey> out = new ArrayList<>();
    List<ServerOutcome> failures = new ArrayList<>();
    for (int i = 0; i < pending.size(); i++) {
      ClientConfig.KeyServer server = config.keyServers().get(i);
      try {
        out.add(join(pending.get(i)));
      } catch (IOException e) {
        KeyServerKey cached = cached(server);
        if (cached != null) {
          out.add(cached);
        } else {
          failures.add(new ServerOutcome(server.id(), ServerOutcome.Kind.UNAVAILABLE, 0, "NO_SEALING_KEY",
              e.getMessage()));
        }
      }
    }
    if (!failures.isEmpty()) {
      throw new KeyServersUnavailableException("sealing needs the key of every key server, and "
          + failures.size() + " of " + config.keyServers().size() + " could not be had", failures);
    }
    out.forEach(k -> sealingKeys.put(k.id(), k));
    return out;
  }

  /** The HPKE key of a descriptor that proves possession and is signed by the pinned key under the pinned id. */
  private static KeyServerKey trusted(ClientConfig.KeyServer server, String json) throws CachetSecurityException {
    ServiceDescriptor d = ServiceDescriptor.fromJson(json);
    d.verify();
    if (!d.serverId().equals(server.id()) || !d.verifyingKey().equals(server.signingKey())) {
      throw new CachetSecurityException("UNTRUSTED_KEY_SERVER", "key server " + server.id() + " at " + server.url()
          + " presents a descriptor for '" + d.serverId() + "' that is not signed by its pinned key");
    }
    return new KeyServerKey(server.id(), d.hpkePublicKey());
  }

  private Path cacheFile(ClientConfig.KeyServer server) {
    return descriptorCache.resolve(config.ledgerId() + "." + server.id() + ".service.json");
  }

  private void remember(ClientConfig.KeyServer server, String json) {
    if (descriptorCache == null) {
      return;
    }
    try {
      DurableFiles.write(cacheFile(server), json.getBytes(java.nio.charset.StandardCharsets.UTF_8), false);
    } catch (IOException e) {
      // a cache: the next put fetches again
    }
  }

  private KeyServerKey cached(ClientConfig.KeyServer server) {
    if (descriptorCache == null) {
      return null;
    }
    try {
      return trusted(server, Files.readString(cacheFile(server)));
    } catch (IOException | CachetSecurityException e) {
      return null;
    }
  }

  // ---------------------------------------------------------------- reading

  /** The envelope header of a stored blob: policy, object, sizes, key servers. Needs no key. */
  public EnvelopeHeader header(BlobId blob) throws IOException, CachetSecurityException {
    try (InputStream in = store.read(blob)) {
      return EnvelopeHeader.read(in);
    }
  }

  /** The whole plaintext of a blob, streamed and authenticated segment by segment. */
  public InputStream open(BlobId blob) throws IOException, CachetSecurityException {
    InputStream in = store.read(blob);
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
    InputStream all = Channels.newInputStream(plain);
    return new InputStream() {
      private long left = length;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (left == 0) {
          return -1;
        }
        int n = all.read(b, off, (int) Math.min(len, left));
        if (n > 0) {
          left -= n;
        } else if (n < 0) {
          throw new IOException("the plaintext ended " + left + " bytes before the range did");
        }
        return n;
      }

      @Override
      public void close() throws IOException {
        all.close();
        remote.close();
      }
    };
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

  /** Creates an allow-list owned by this identity, with no members; returns its id once committed. */
  public PolicyId createAllowList() throws IOException, CachetSecurityException {
    return submitCreate(new Operation.CreateAllowList());
  }

  /** Creates a time lock owned by this identity that opens at {@code unlockAt}. */
  public PolicyId createTimeLock(Instant unlockAt) throws IOException, CachetSecurityException {
    return submitCreate(new Operation.CreateTimeLock(unlockAt.toEpochMilli()));
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
    checkWindow(window, ended);
    return committed(submit(new Operation.AddMember(policy, member, window)));
  }

  /** Replaces a member's window; an ended or inverted one is refused as by {@link #grant(PolicyId, Address, Window)}. */
  public long changeWindow(PolicyId policy, Address member, Window window) throws IOException, CachetSecurityException {
    return changeWindow(policy, member, window, EndedWindows.REFUSE);
  }

  /** As {@link #changeWindow(PolicyId, Address, Window)}; {@link EndedWindows#ACCEPT} lets a window that is over through. */
  public long changeWindow(PolicyId policy, Address member, Window window, EndedWindows ended)
      throws IOException, CachetSecurityException {
    checkWindow(window, ended);
    return committed(submit(new Operation.ChangeWindow(policy, member, window)));
  }

  /** Judges a grant's window by the ledger's head time, or this machine's clock if the ledger does not answer. */
  private void checkWindow(Window window, EndedWindows ended) throws CachetSecurityException {
    long now = clock.millis();
    String whose = "this machine's clock";
    if (window.isValid() && ended == EndedWindows.REFUSE) {
      try {
        now = join(ledger.head()).getLong("timestamp");
        whose = "ledger time";
      } catch (IOException e) {
        // the local clock judges; the submit that follows reports the ledger's failure
      }
    }
    GrantWindows.check(window, ended, now, whose);
  }

  /** Removes a member; key servers refuse them from the block that commits this on. */
  public long revoke(PolicyId policy, Address member) throws IOException, CachetSecurityException {
    return committed(submit(new Operation.RemoveMember(policy, member)));
  }

  /** The height of a block this client's transaction is in; key fetches from now on sign at least it. */
  private long committed(Sequencer.Committed c) {
    keys.sawHeight(c.height());
    return c.height();
  }

  /**
   * The ledger height this client's key fetches sign as the lowest they need decided: the highest
   * it knows to be committed (its own transactions, ledger heads it read); -1 before it knows any.
   */
  public long knownLedgerHeight() {
    return keys.knownHeight();
  }

  /** The policy as the ledger holds it now. */
  public Policy policy(PolicyId id) throws IOException, CachetSecurityException {
    return join(ledger.policy(id));
  }

  /**
   * The ledger this client signs transactions for and derives policy ids on: the configured ledger
   * id and its genesis digest, read once from the ledger's genesis block (checked to be signed by
   * the configured sequencer key) and, if the network descriptor pins a digest, checked against it.
   *
   * @throws LedgerRefusedException with reason {@code WRONG_LEDGER} if the ledger at the configured
   *     URL is not the one the descriptor pins
   */
  public LedgerRef ledger() throws IOException, CachetSecurityException {
    LedgerRef known = ledgerRef;
    if (known != null) {
      return known;
    }
    LedgerRef served = join(ledger.ledger(config.ledgerId(), config.sequencerKey()));
    byte[] pinned = config.genesisDigest();
    if (pinned != null && !served.hasGenesis(pinned)) {
      throw new LedgerRefusedException(Reason.WRONG_LEDGER.name(), "the ledger at " + config.ledgerUrl() + " is "
          + served + ", but the network descriptor pins " + new LedgerRef(config.ledgerId(), pinned)
          + ": another ledger of the same id (restarted from an empty journal?)");
    }
    ledgerRef = served;
    return served;
  }

  private PolicyId submitCreate(Operation op) throws IOException, CachetSecurityException {
    synchronized (txLock) {
      LedgerRef on = ledger();
      long nonce = join(ledger.nextNonce(identity.address()));
      committed(join(ledger.submit(Transaction.sign(identity, on, nonce, op))));
      return LedgerState.policyIdFor(on, identity.address(), nonce);
    }
  }

  /** Signs with the next nonce and waits until committed; one retry if another session took the nonce. */
  private Sequencer.Committed submit(Operation op) throws IOException, CachetSecurityException {
    synchronized (txLock) {
      LedgerRef on = ledger();
      for (int attempt = 0; ; attempt++) {
        long nonce = join(ledger.nextNonce(identity.address()));
        try {
          return join(ledger.submit(Transaction.sign(identity, on, nonce, op)));
        } catch (LedgerRefusedException e) {
          if (attempt > 0 || !Reason.BAD_NONCE.name().equals(e.reason())) {
            throw e;
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------- plumbing

  /** Waits for a Vert.x future from a plain thread, turning failures into this API's exceptions. */
  private <T> T join(Future<T> f) throws IOException, CachetSecurityException {
    try {
      return f.toCompletionStage().toCompletableFuture()
          .get(config.requestTimeout().toMillis() * 3, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof CachetSecurityException s) {
        throw s;
      }
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof TransactionRefusedException r) {
        throw new LedgerRefusedException(r.reason().name(), "the ledger refused (" + r.reason().name() + "): "
            + r.getMessage());
      }
      if (c instanceof LedgerClient.LedgerUnavailableException u) {
        throw new LedgerUnavailableException(u.getMessage() + " (ledger " + config.ledgerUrl() + ")", u);
      }
      throw new IOException(c.getMessage() == null ? c.toString() : c.getMessage(), c);
    } catch (TimeoutException e) {
      throw new IOException("no answer within " + config.requestTimeout().multipliedBy(3).toSeconds() + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted");
    }
  }

  /** Destroys the cached data keys and stops the client's threads. */
  @Override
  public void close() {
    keyCache.values().forEach(DataKey::destroy);
    keyCache.clear();
    store.close();
    ledger.close();
    http.close();
    workers.shutdownNow();
    vertx.close();
  }

  @Override
  public String toString() {
    return "CachetClient{" + identity.address() + " on " + config + "}";
  }

}
