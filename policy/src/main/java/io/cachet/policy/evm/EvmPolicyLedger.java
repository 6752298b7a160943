package io.cachet.policy.evm;

import io.cachet.crypto.Address;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Decision;
import io.cachet.policy.PolicyLedger;
import io.cachet.policy.Reason;
import io.cachet.policy.evm.EvmLedgerRpc.BlockRef;
import io.cachet.policy.evm.EvmLedgerRpc.CallFailed;
import io.cachet.policy.evm.EvmLedgerRpc.Unavailable;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.abi.datatypes.generated.Uint8;

/**
 * A key server's view of policies that live in contracts on an EVM chain: it asks the envelope's
 * contract {@code ICachetPolicy.canRead(policyId, reader)} with eth_call at the confirmed block
 * ({@code head - confirmations}) and decides from the answer.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>every decision is taken at the confirmed block the {@link Decision} names (by hash, so a
 *       reorg cannot make the node answer for another block), never at a block not yet at the
 *       confirmed depth;
 *   <li>{@link #evaluate} never throws and never allows on a failure: a chain that does not answer
 *       denies {@code LEDGER_UNAVAILABLE}; a contract that reverts, runs out of gas, has no code or
 *       answers anything but (uint8, uint64) denies {@code UNKNOWN_POLICY};
 *   <li>an allowed answer stands only while {@code max(block time, this node's clock) < validUntil},
 *       so a chain that stops producing blocks cannot stretch a grant;
 *   <li>with a second RPC, canRead is asked of both, in parallel, at the same block hash; an answer
 *       stands only if both are byte-equal, otherwise the release is denied
 *       {@code LEDGER_UNAVAILABLE} ("the two RPCs disagree") and nothing is cached;
 *   <li>a node's own error (as opposed to the contract's failure, see {@link EvmLedgerRpc}) denies
 *       {@code LEDGER_UNAVAILABLE} and is never cached;
 *   <li>at most one eth_call per (block, contract, policy, reader) and RPC, however many releases ask, once
 *       the chain has answered it (an RPC failure is not kept, so the next release asks again).
 * </ul>
 */
public final class EvmPolicyLedger implements PolicyLedger, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EvmPolicyLedger.class);

  /** {@code type(uint64).max}: a validUntil that time alone never reaches. */
  public static final BigInteger NEVER = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
  /** The first reason code that is an app's own (64..255, {@code CachetReason.FIRST_APP_CODE}). */
  static final int FIRST_APP_CODE = 64;
  /** canRead's two return words. */
  private static final int ANSWER_BYTES = 64;

  /** What one canRead eth_call came to; kept in the cache unless the chain did not answer. */
  private record Answer(Reason reason, int code, BigInteger validUntil, String failure) {
    boolean definite() {
      return reason != Reason.LEDGER_UNAVAILABLE;
    }
  }

  private final EvmLedgerConfig config;
  private final String ledgerId;
  private final EvmLedgerRpc rpc;
  private final EvmLedgerRpc second;
  /** Asks the second RPC while the caller's thread asks the first. */
  private final ExecutorService asker;
  private final HeadFollower head;
  private final DecisionCache<Answer> cache;

  private EvmPolicyLedger(EvmLedgerConfig config, EvmLedgerRpc rpc, EvmLedgerRpc second, HeadFollower head) {
    this.config = config;
    this.ledgerId = EvmLedgerId.chain(config.chainId());
    this.rpc = rpc;
    this.second = second;
    // one thread per release in flight at most: the key server's worker pool bounds those
    this.asker = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "cachet-evm-second-rpc");
      t.setDaemon(true);
      return t;
    });
    this.head = head;
    this.cache = new DecisionCache<>(config.cacheSize(), Answer::definite);
  }

  /**
   * Checks that every RPC serves the configured chain and starts following its head (on a thread
   * of its own). Blocks for the chain id checks: call it off any event loop.
   *
   * @throws IOException if an RPC does not answer, or reports another chain id (naming both)
   */
  public static EvmPolicyLedger start(EvmLedgerConfig config) throws IOException {
    EvmLedgerRpc rpc = new EvmLedgerRpc(config.rpcUrl(), config.rpcTimeout());
    EvmLedgerRpc second = config.secondRpcUrl() == null ? null
        : new EvmLedgerRpc(config.secondRpcUrl(), config.rpcTimeout());
    checkChainId(rpc, config.chainId());
    if (second != null) {
      checkChainId(second, config.chainId());
    }
    HeadFollower head = new HeadFollower(rpc, second, config.confirmations(), config.pollInterval(), config.clock(),
        config.clockTolerance());
    LOG.info("event=evm_ledger_started chain={} confirmations={} rpcs={}", config.chainId(), config.confirmations(),
        second == null ? 1 : 2);
    return new EvmPolicyLedger(config, rpc, second, head);
  }

  private static void checkChainId(EvmLedgerRpc rpc, long expected) throws IOException {
    long reported;
    try {
      reported = rpc.chainId();
    } catch (Unavailable e) {
      throw new IOException("the EVM RPC " + rpc.where() + " did not answer eth_chainId: " + e.getMessage(), e);
    }
    if (reported != expected) {
      throw new IOException("the EVM RPC " + rpc.where() + " serves chain id " + reported + ", but the configured"
          + " chain id is " + expected + ": refusing to decide for the wrong chain");
    }
  }

  public EvmLedgerConfig config() {
    return config;
  }

  /** {@code eip155:<chain id>}. */
  @Override
  public String ledgerId() {
    return ledgerId;
  }

  /** Any policy contract on this chain: {@code eip155:<this chain id>:<contract>}. */
  @Override
  public boolean follows(String envelopeLedgerId) {
    try {
      return EvmLedgerId.parse(envelopeLedgerId).chainId() == config.chainId();
    } catch (FormatException | RuntimeException e) {
      return false;
    }
  }

  @Override
  public LedgerView view() {
    HeadFollower.Confirmed c = head.confirmed();
    long contact = head.lastContact();
    if (c == null) {
      return new LedgerView(-1, 0, 0, contact);
    }
    return new LedgerView(c.block().number(), c.block().timestampSeconds() * 1000, c.appliedAt(), contact);
  }

  /** Why the last poll of the head failed, or null; for health pages. */
  public String lastError() {
    return head.lastError();
  }

  /** The number of the block held for being stamped ahead of this node's clock, or -1 when none is. */
  public long heldHeight() {
    BlockRef b = head.held();
    return b == null ? -1 : b.number();
  }

  /** The held block's time (ms), or -1 when none is held. */
  public long heldBlockTime() {
    BlockRef b = head.held();
    return b == null ? -1 : b.timestampSeconds() * 1000;
  }

  /** Completes once the confirmed block's number is at least {@code height}; fails once closed. */
  public CompletableFuture<Long> awaitHeight(long height) {
    return head.awaitHeight(height);
  }

  /** Reads the head now and waits for it; tests use it to step the chain without waiting for a poll. */
  public void pollNow() {
    head.pollNow();
  }

  /** How many canRead answers are cached. */
  public int cachedAnswers() {
    return cache.size();
  }

  @Override
  public Decision evaluate(String envelopeLedgerId, PolicyId policy, Address requester) {
    HeadFollower.Confirmed c = head.confirmed();
    long height = c == null ? -1 : c.block().number();
    long ledgerTime = c == null ? 0 : c.block().timestampSeconds() * 1000;
    EvmLedgerId target;
    try {
      target = EvmLedgerId.parse(envelopeLedgerId);
    } catch (FormatException | RuntimeException e) {
      target = null;
    }
    if (target == null || target.chainId() != config.chainId()) {
      return deny(policy, requester, Reason.WRONG_LEDGER, "the envelope names ledger " + envelopeLedgerId
          + "; this key server decides for " + ledgerId, height, ledgerTime);
    }
    if (!requester.isEvm()) {
      return deny(policy, requester, Reason.NOT_A_MEMBER, "EVM policies name EVM addresses; " + requester
          + " is not one", height, ledgerTime);
    }
    if (c == null) {
      return deny(policy, requester, Reason.LEDGER_UNAVAILABLE, "this key server has not yet reached " + ledgerId,
          height, ledgerTime);
    }
    BlockRef block = c.block();
    String contract = target.contract().evmHex();
    String reader = requester.evmHex();
    DecisionCache.Key key = new DecisionCache.Key(block.hash(), contract, policy.toString(), reader);
    Answer a = cache.get(key, () -> ask(contract, policy, reader, block.hash()));
    // the block's hash, not only its number: a receipt then names the one fork the answer came from
    return decide(policy, requester, a, target, block).atBlock(hashOf(block));
  }

  /** The block's 32-byte hash; empty if the node gave something else (it names no block then). */
  private static byte[] hashOf(BlockRef block) {
    String h = block.hash();
    if (h == null || h.length() != 66 || !h.startsWith("0x")) {
      return new byte[0];
    }
    try {
      return java.util.HexFormat.of().parseHex(h, 2, h.length());
    } catch (IllegalArgumentException e) {
      return new byte[0];
    }
  }

  /** What one RPC answered to one canRead eth_call: data, or why it failed. */
  private record Reply(String data, String callFailed, String unavailable) {
    /** Byte-equal data, or both a failed execution (a denial either way). */
    boolean agrees(Reply other) {
      return data != null ? data.equalsIgnoreCase(String.valueOf(other.data)) : other.callFailed != null;
    }
  }

  /**
   * canRead at {@code blockHash}; with a second RPC, asked of both in parallel, and allowed only
   * on byte-equal answers, so one lying RPC cannot grant alone. Never throws.
   */
  private Answer ask(String contract, PolicyId policy, String reader, String blockHash) {
    Function canRead = canRead(policy, reader);
    String data = FunctionEncoder.encode(canRead);
    CompletableFuture<Reply> other = null;
    if (second != null) {
      try {
        other = CompletableFuture.supplyAsync(() -> call(second, contract, data, blockHash), asker);
      } catch (RejectedExecutionException e) {
        return new Answer(Reason.LEDGER_UNAVAILABLE, -1, null, "the EVM ledger is closed");
      }
    }
    Reply mine = call(rpc, contract, data, blockHash);
    if (mine.unavailable() != null) {
      return new Answer(Reason.LEDGER_UNAVAILABLE, -1, null, mine.unavailable());
    }
    if (other != null) {
      Reply theirs = other.join();
      if (theirs.unavailable() != null) {
        return new Answer(Reason.LEDGER_UNAVAILABLE, -1, null, "the second RPC: " + theirs.unavailable());
      }
      if (!mine.agrees(theirs)) {
        LOG.warn("event=evm_rpcs_disagree block={} contract={} policy={}", blockHash, contract, policy);
        return new Answer(Reason.LEDGER_UNAVAILABLE, -1, null, "the two RPCs disagree on canRead's answer");
      }
    }
    if (mine.callFailed() != null) {
      return new Answer(Reason.UNKNOWN_POLICY, -1, null, "did not answer canRead (" + mine.callFailed() + ")");
    }
    return interpret(canRead, mine.data());
  }

  private Reply call(EvmLedgerRpc to, String contract, String data, String blockHash) {
    try {
      return new Reply(to.call(contract, data, blockHash, config.gasCap()), null, null);
    } catch (Unavailable e) {
      return new Reply(null, null, e.getMessage());
    } catch (CallFailed e) {
      return new Reply(null, e.getMessage(), null);
    }
  }

  /** canRead's answer as a decision's reason and validUntil; anything but (uint8, uint64) is UNKNOWN_POLICY. */
  private static Answer interpret(Function canRead, String data) {
    if ("0x".equals(data)) {
      return new Answer(Reason.UNKNOWN_POLICY, -1, null, "no policy contract");
    }
    if ((data.length() - 2) / 2 < ANSWER_BYTES) {
      return new Answer(Reason.UNKNOWN_POLICY, -1, null, "did not answer canRead (a short answer)");
    }
    List<Type> words;
    try {
      words = FunctionReturnDecoder.decode(data, canRead.getOutputParameters());
    } catch (RuntimeException e) {
      return new Answer(Reason.UNKNOWN_POLICY, -1, null, "did not answer canRead (not a uint8 and a uint64)");
    }
    if (words.size() != 2 || !fits(data, 0, 1) || !fits(data, 1, 8)) {
      return new Answer(Reason.UNKNOWN_POLICY, -1, null, "did not answer canRead (not a uint8 and a uint64)");
    }
    int code = ((BigInteger) words.get(0).getValue()).intValueExact();
    BigInteger validUntil = (BigInteger) words.get(1).getValue();
    return new Answer(reason(code), code, validUntil, null);
  }

  /** Whether ABI word {@code index} of {@code data} holds a value of at most {@code bytes} bytes (ABI's rule). */
  private static boolean fits(String data, int index, int bytes) {
    int start = 2 + index * 64;
    String word = data.substring(start, start + 64);
    return word.substring(0, 64 - 2 * bytes).chars().allMatch(ch -> ch == '0');
  }

  @SuppressWarnings("rawtypes")
  private static Function canRead(PolicyId policy, String reader) {
    List<TypeReference<?>> out = List.of(new TypeReference<Uint8>() {}, new TypeReference<Uint64>() {});
    return new Function("canRead", List.<Type>of(new Bytes32(policy.bytes()),
        new org.web3j.abi.datatypes.Address(reader)), out);
  }

  private static Reason reason(int code) {
    return switch (code) {
      case 0 -> Reason.ALLOWED;
      case 1 -> Reason.UNKNOWN_POLICY;
      case 2 -> Reason.NOT_A_MEMBER;
      case 3 -> Reason.NOT_YET_VALID;
      case 4 -> Reason.EXPIRED;
      case 5 -> Reason.LOCKED;
      case 6 -> Reason.NOT_A_HOLDER;
      // 7..63 are Cachet's but not yet given a meaning: a denial all the same
      default -> Reason.DENIED_BY_POLICY;
    };
  }

  private Decision decide(PolicyId policy, Address requester, Answer a, EvmLedgerId target, BlockRef block) {
    long height = block.number();
    long ledgerTime = block.timestampSeconds() * 1000;
    String where = "policy contract " + target.contract() + " at block " + height;
    if (a.failure() != null) {
      String message = a.reason() == Reason.LEDGER_UNAVAILABLE
          ? "the chain did not answer for " + where + ": " + a.failure()
          : "no policy contract".equals(a.failure()) ? "no policy contract at " + target.contract() + " (block "
              + height + ")" : where + " " + a.failure();
      return deny(policy, requester, a.reason(), message, height, ledgerTime);
    }
    if (a.reason() == Reason.DENIED_BY_POLICY) {
      String kind = a.code() >= FIRST_APP_CODE ? "its own code " : "reserved code ";
      return deny(policy, requester, Reason.DENIED_BY_POLICY, where + " denied with " + kind + a.code(), height,
          ledgerTime);
    }
    if (a.reason() != Reason.ALLOWED) {
      return deny(policy, requester, a.reason(), where + " answered " + a.reason(), height, ledgerTime);
    }
    if (!a.validUntil().equals(NEVER)) {
      // seconds below 2^64 fit a long in milliseconds only up to 2^63/1000; beyond is never in practice
      long untilMillis = a.validUntil().compareTo(BigInteger.valueOf(Long.MAX_VALUE / 1000)) > 0 ? Long.MAX_VALUE
          : a.validUntil().longValueExact() * 1000;
      if (ledgerTime >= untilMillis) {
        return deny(policy, requester, Reason.EXPIRED, "access ended at " + at(untilMillis) + "; ledger time is "
            + at(ledgerTime), height, ledgerTime);
      }
      long clock = config.clock().millis();
      if (clock >= untilMillis) {
        return deny(policy, requester, Reason.EXPIRED, "access ended at " + at(untilMillis)
            + "; this server's clock is " + at(clock) + " (ledger time " + at(ledgerTime)
            + ": a window ends at the later of the two)", height, ledgerTime);
      }
    }
    return new Decision(policy, requester, true, Reason.ALLOWED, where + " allows " + requester, height,
        ledgerTime);
  }

  private static Decision deny(PolicyId policy, Address requester, Reason reason, String message, long height,
      long ledgerTime) {
    return new Decision(policy, requester, false, reason, message, height, ledgerTime);
  }

  private static String at(long epochMillis) {
    return Instant.ofEpochMilli(epochMillis).toString();
  }

  /** Stops following the head; waits for heights fail. */
  @Override
  public void close() {
    head.close();
    asker.shutdownNow();
  }

  @Override
  public String toString() {
    return "EvmPolicyLedger[" + ledgerId + ", confirmations " + config.confirmations() + "]";
  }
}
