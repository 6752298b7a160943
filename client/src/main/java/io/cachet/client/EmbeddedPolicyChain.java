package io.cachet.client;

import io.cachet.common.http.Endpoints;
import io.cachet.crypto.Address;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Composite;
import io.cachet.policy.LedgerClient;
import io.cachet.policy.LedgerRef;
import io.cachet.policy.LedgerState;
import io.cachet.policy.Operation;
import io.cachet.policy.Policy;
import io.cachet.policy.PolicyChain;
import io.cachet.policy.PolicyRef;
import io.cachet.policy.PolicySummary;
import io.cachet.policy.Reason;
import io.cachet.policy.Sequencer;
import io.cachet.policy.TokenGate;
import io.cachet.policy.Transaction;
import io.cachet.policy.Window;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The embedded ledger as a {@link PolicyChain}: each write is a transaction signed by the acting
 * Ed25519 identity with its next nonce, submitted to the sequencer and awaited until a block
 * commits it. Policy ids are derived from the ledger (its id and genesis digest), the sender and
 * the nonce, exactly as the ledger derives them.
 *
 * <p>Guarantees: transactions are signed only for the ledger the descriptor names, and, if it pins
 * a genesis digest, only for that ledger's genesis ({@link #ledger()}); one client's writes are
 * sent one at a time, so their nonces follow each other; a write another session raced for the
 * same nonce is signed again once with the next one. Token gates and composites do not exist on
 * the embedded ledger: asking for one throws {@link UnsupportedOperationException}.
 *
 * <p>Blocking; safe from any number of threads; never call it from a Vert.x event loop.
 */
public final class EmbeddedPolicyChain implements PolicyChain {
  /** What a caller asking for an EVM-only policy kind is told; names the way to a chain that has it. */
  static final String NEEDS_EVM = " need an EVM chain: the embedded ledger has no tokens or policy contracts;"
      + " use a network whose descriptor names one (locally: 'cachet devnet up --chain evm')";

  private final ClientConfig config;
  private final Identity identity;
  private final Vertx vertx;
  private final boolean ownsVertx;
  private final LedgerClient ledger;
  private final Object txLock = new Object();
  /** The ledger transactions are signed for; read once by {@link #ledger()}. */
  private volatile LedgerRef ledgerRef;

  EmbeddedPolicyChain(ClientConfig config, Identity identity, Vertx vertx, boolean ownsVertx) {
    if (config.chain().isEvm()) {
      throw new IllegalArgumentException("the network descriptor names " + config.chain()
          + ", not the embedded ledger");
    }
    this.config = config;
    this.identity = Objects.requireNonNull(identity, "identity");
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.ledger = new LedgerClient(vertx, config.ledgerUrl().toString());
  }

  /** The embedded ledger of {@code config}, written to as {@code identity} (which the caller keeps owning). */
  public static EmbeddedPolicyChain open(ClientConfig config, Identity identity) {
    Vertx own = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    try {
      return new EmbeddedPolicyChain(config, identity, own, true);
    } catch (RuntimeException e) {
      own.close();
      throw e;
    }
  }

  /** The ledger's client, for the key fetcher's head reads. */
  LedgerClient ledgerClient() {
    return ledger;
  }

  @Override
  public String ledgerId() {
    return config.ledgerId();
  }

  @Override
  public String envelopeLedgerId() {
    return config.ledgerId();
  }

  @Override
  public Address address() {
    return identity.address();
  }

  // ---------------------------------------------------------------- creating

  @Override
  public PolicyId createAllowList() throws IOException, CachetSecurityException {
    return submitCreate(new Operation.CreateAllowList());
  }

  @Override
  public PolicyId createTimeLock(Instant unlockAt) throws IOException, CachetSecurityException {
    return submitCreate(new Operation.CreateTimeLock(unlockAt.toEpochMilli()));
  }

  /** Always throws: the embedded ledger has no tokens. */
  @Override
  public PolicyId createTokenGate(TokenGate.Standard standard, Address token, BigInteger minimum) {
    throw new UnsupportedOperationException("token gates" + NEEDS_EVM);
  }

  /** Always throws: composites over policy contracts live on EVM chains. */
  @Override
  public PolicyId createComposite(Composite.Mode mode, List<PolicyRef> parts) {
    throw new UnsupportedOperationException("all-of and any-of policies" + NEEDS_EVM);
  }

  // ---------------------------------------------------------------- changing

  @Override
  public long grant(PolicyId policy, Address member, Window window) throws IOException, CachetSecurityException {
    return submit(new Operation.AddMember(policy, member, window)).height();
  }

  @Override
  public long changeWindow(PolicyId policy, Address member, Window window) throws IOException, CachetSecurityException {
    return submit(new Operation.ChangeWindow(policy, member, window)).height();
  }

  @Override
  public long revoke(PolicyId policy, Address member) throws IOException, CachetSecurityException {
    return submit(new Operation.RemoveMember(policy, member)).height();
  }

  @Override
  public long addAdmin(PolicyId policy, Address admin) throws IOException, CachetSecurityException {
    return submit(new Operation.AddAdmin(policy, admin)).height();
  }

  @Override
  public long removeAdmin(PolicyId policy, Address admin) throws IOException, CachetSecurityException {
    return submit(new Operation.RemoveAdmin(policy, admin)).height();
  }

  @Override
  public long transferOwnership(PolicyId policy, Address newOwner) throws IOException, CachetSecurityException {
    return submit(new Operation.TransferOwnership(policy, newOwner)).height();
  }

  // ---------------------------------------------------------------- reading

  @Override
  public Policy policy(PolicyId id) throws IOException, CachetSecurityException {
    return join(ledger.policy(id));
  }

  @Override
  public List<PolicySummary> managedBy(Address who) throws IOException, CachetSecurityException {
    List<PolicySummary> all = join(ledger.managedBy(who)).policies();
    return all.size() > MAX_MANAGED_LISTED ? all.subList(0, MAX_MANAGED_LISTED) : all;
  }

  @Override
  public Head head() throws IOException {
    JsonObject head;
    try {
      head = join(ledger.head());
    } catch (CachetSecurityException e) {
      throw new IOException("the ledger's head could not be read: " + e.getMessage(), e);
    }
    return new Head(head.getLong("height"), head.getLong("timestamp"));
  }

  /**
   * The ledger this chain signs transactions for and derives policy ids on: the configured ledger
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
      throw new LedgerRefusedException(Reason.WRONG_LEDGER.name(), "the ledger at " + Endpoints.where(config.ledgerUrl()) + " is "
          + served + ", but the network descriptor pins " + new LedgerRef(config.ledgerId(), pinned)
          + ": another ledger of the same id (restarted from an empty journal?)");
    }
    ledgerRef = served;
    return served;
  }

  // ---------------------------------------------------------------- transactions

  private PolicyId submitCreate(Operation op) throws IOException, CachetSecurityException {
    synchronized (txLock) {
      LedgerRef on = ledger();
      long nonce = join(ledger.nextNonce(identity.address()));
      join(ledger.submit(Transaction.sign(identity, on, nonce, op)));
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

  private <T> T join(Future<T> f) throws IOException, CachetSecurityException {
    return Await.join(f, config.requestTimeout(), config.ledgerUrl());
  }

  /** Closes the ledger's client, and the Vert.x instance if this chain made it. */
  @Override
  public void close() {
    ledger.close();
    if (ownsVertx) {
      vertx.close();
    }
  }

  @Override
  public String toString() {
    return "EmbeddedPolicyChain{" + identity.address() + " on " + config.ledgerId() + " at " + Endpoints.where(config.ledgerUrl()) + "}";
  }
}
