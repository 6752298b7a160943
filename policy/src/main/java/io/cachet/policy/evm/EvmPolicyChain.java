package io.cachet.policy.evm;

import io.cachet.crypto.Address;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.AllowList;
import io.cachet.policy.Composite;
import io.cachet.policy.Policy;
import io.cachet.policy.PolicyChain;
import io.cachet.policy.PolicyRef;
import io.cachet.policy.PolicySummary;
import io.cachet.policy.Reason;
import io.cachet.policy.TimeLock;
import io.cachet.policy.TokenGate;
import io.cachet.policy.Window;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * The writing side of Cachet's policies on an EVM chain: transactions to the stock
 * {@code CachetPolicies} contract, signed by one account ({@link Credentials}) for one chain id.
 *
 * <p>Every write is checked with eth_call first, sent as an EIP-1559 transaction and waited for;
 * it returns the number of the block that includes it. A write the contract refuses throws
 * {@link EvmRevertedException} with the {@link Reason} name of the contract's custom error (the
 * same names the embedded ledger refuses with).
 *
 * <p>Time: the chain keeps whole seconds. A window given in milliseconds is stored never wider
 * than asked: its start rounded up, its end rounded down; {@link Long#MAX_VALUE} is
 * {@code type(uint64).max}, "no end". A time lock opens at its instant rounded up.
 */
public final class EvmPolicyChain implements PolicyChain {
  /** uint64 max: "no end" on chain. */
  static final BigInteger NO_END = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
  /** Blocks one eth_getLogs call covers: within what public RPC providers accept. */
  static final long LOG_RANGE_BLOCKS = 2_000;
  /** Most eth_getLogs calls one listing makes (two per range): a million blocks; past it, start later. */
  static final long MAX_LOG_CALLS = 1_000;
  /** Most candidate policies one listing confirms, each with its own calls: past it, start later. */
  static final int MAX_LOG_CANDIDATES = 10_000;
  /** Members read per call by {@link #policy}. */
  private static final int MEMBER_PAGE = 500;
  private static final long MILLIS_PER_SECOND = 1000;

  private final Web3j web3j;
  private final EvmTransactions tx;
  private final long chainId;
  private final Address policies;
  private final String policiesHex;
  private final Address self;

  /**
   * Connects to the chain at {@code rpcUrl} as {@code credentials}.
   *
   * @param policies the CachetPolicies contract's address
   * @throws IOException if the RPC is unreachable or serves another chain id
   */
  public EvmPolicyChain(Credentials credentials, long chainId, URI rpcUrl, Address policies) throws IOException {
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(rpcUrl, "rpcUrl");
    this.policies = Objects.requireNonNull(policies, "policies");
    if (!policies.isEvm()) {
      throw new IllegalArgumentException("the policies contract is an EVM address, was " + policies);
    }
    this.chainId = chainId;
    this.policiesHex = policies.evmHex();
    this.web3j = EvmRpcClient.connect(rpcUrl);
    this.tx = new EvmTransactions(web3j, credentials, chainId);
    this.self = EvmDeployment.evmAddress(credentials.getAddress());
    try {
      tx.checkChainId();
    } catch (IOException e) {
      web3j.shutdown();
      throw e;
    }
  }

  @Override
  public String ledgerId() {
    return EvmLedgerId.chain(chainId);
  }

  @Override
  public String envelopeLedgerId() {
    return new EvmLedgerId(chainId, policies).toString();
  }

  @Override
  public Address address() {
    return self;
  }

  /** The CachetPolicies contract this chain writes to. */
  public Address policiesContract() {
    return policies;
  }

  // ---------------------------------------------------------------- creation

  @Override
  public PolicyId createAllowList() throws IOException, CachetSecurityException {
    return created(send(CachetPoliciesAbi.createAllowList()));
  }

  @Override
  public PolicyId createTimeLock(Instant unlockAt) throws IOException, CachetSecurityException {
    return created(send(CachetPoliciesAbi.createTimeLock(secondsUp(unlockAt.toEpochMilli()))));
  }

  @Override
  public PolicyId createTokenGate(TokenGate.Standard standard, Address token, BigInteger minimum)
      throws IOException, CachetSecurityException {
    Objects.requireNonNull(standard, "standard");
    requireEvm(token, "token");
    if (minimum == null || minimum.signum() <= 0 || minimum.bitLength() > 256) {
      throw new IllegalArgumentException("a token gate's minimum is 1..2^256-1, was " + minimum);
    }
    String code = EvmTransactions.check(web3j.ethGetCode(token.evmHex(), DefaultBlockParameterName.LATEST).send(),
        "eth_getCode").getCode();
    if (code == null || code.length() <= 2) {
      throw new IllegalArgumentException("no contract at " + token + ": a token gate needs the token's contract");
    }
    int s = standard == TokenGate.Standard.ERC721 ? CachetPoliciesAbi.ERC721 : CachetPoliciesAbi.ERC20;
    return created(send(CachetPoliciesAbi.createTokenGate(token.evmHex(), s, minimum)));
  }

  @Override
  public PolicyId createComposite(Composite.Mode mode, List<PolicyRef> parts) throws IOException, CachetSecurityException {
    Objects.requireNonNull(mode, "mode");
    if (parts.isEmpty() || parts.size() > Composite.MAX_PARTS) {
      throw new IllegalArgumentException("a composite names 1.." + Composite.MAX_PARTS + " policies");
    }
    List<String> contracts = new ArrayList<>();
    List<byte[]> ids = new ArrayList<>();
    for (PolicyRef p : parts) {
      EvmLedgerId where;
      try {
        where = EvmLedgerId.parse(p.ledgerId());
      } catch (FormatException e) {
        throw new IllegalArgumentException("a composite's part lives in a contract on this chain: " + e.getMessage(), e);
      }
      if (where.chainId() != chainId) {
        throw new IllegalArgumentException("part " + p + " is on chain " + where.chainId() + ", not on " + chainId);
      }
      contracts.add(where.contract().evmHex());
      ids.add(p.policyId().bytes());
    }
    int m = mode == Composite.Mode.ALL_OF ? CachetPoliciesAbi.ALL_OF : CachetPoliciesAbi.ANY_OF;
    return created(send(CachetPoliciesAbi.createComposite(m, contracts, ids)));
  }

  // ---------------------------------------------------------------- changes

  @Override
  public long grant(PolicyId policy, Address member, Window window) throws IOException, CachetSecurityException {
    requireEvm(member, "member");
    return height(send(CachetPoliciesAbi.addMember(policy.bytes(), member.evmHex(), secondsUp(window.notBefore()),
        endSeconds(window.notAfter()))));
  }

  @Override
  public long changeWindow(PolicyId policy, Address member, Window window) throws IOException, CachetSecurityException {
    requireEvm(member, "member");
    return height(send(CachetPoliciesAbi.changeWindow(policy.bytes(), member.evmHex(), secondsUp(window.notBefore()),
        endSeconds(window.notAfter()))));
  }

  @Override
  public long revoke(PolicyId policy, Address member) throws IOException, CachetSecurityException {
    requireEvm(member, "member");
    return height(send(CachetPoliciesAbi.removeMember(policy.bytes(), member.evmHex())));
  }

  @Override
  public long addAdmin(PolicyId policy, Address admin) throws IOException, CachetSecurityException {
    requireEvm(admin, "admin");
    return height(send(CachetPoliciesAbi.addAdmin(policy.bytes(), admin.evmHex())));
  }

  @Override
  public long removeAdmin(PolicyId policy, Address admin) throws IOException, CachetSecurityException {
    requireEvm(admin, "admin");
    return height(send(CachetPoliciesAbi.removeAdmin(policy.bytes(), admin.evmHex())));
  }

  @Override
  public long transferOwnership(PolicyId policy, Address newOwner) throws IOException, CachetSecurityException {
    requireEvm(newOwner, "newOwner");
    if (Arrays.equals(newOwner.evmBytes(), new byte[Address.EVM_LENGTH])) {
      throw new IllegalArgumentException("ownership may not go to the zero address: nobody could manage the policy"
          + " again");
    }
    return height(send(CachetPoliciesAbi.transferOwnership(policy.bytes(), newOwner.evmHex())));
  }

  // ---------------------------------------------------------------- reads

  /**
   * The policy at the newest block, every part read at that one block so the answer is one
   * consistent state.
   */
  @Override
  @SuppressWarnings({"rawtypes", "unchecked"})
  public Policy policy(PolicyId id) throws IOException, CachetSecurityException {
    DefaultBlockParameter at = DefaultBlockParameter.valueOf(BigInteger.valueOf(head().height()));
    byte[] raw = id.bytes();
    List<Type> d = call(CachetPoliciesAbi.describe(raw), at);
    int kind = uint(d.get(0)).intValueExact();
    if (kind == CachetPoliciesAbi.KIND_NONE) {
      throw new EvmRevertedException(Reason.UNKNOWN_POLICY.name(), "no policy " + id + " in " + envelopeLedgerId());
    }
    Address owner = EvmDeployment.evmAddress(d.get(1).getValue().toString());
    long version = uint(d.get(2)).longValueExact();
    Set<Address> admins = new HashSet<>();
    for (Object a : ((DynamicArray) d.get(3)).getValue()) {
      admins.add(EvmDeployment.evmAddress(((Type) a).getValue().toString()));
    }
    long memberCount = uint(d.get(4)).longValueExact();
    switch (kind) {
      case CachetPoliciesAbi.KIND_ALLOW_LIST:
        return new AllowList(id, owner, admins, version, members(raw, memberCount, at));
      case CachetPoliciesAbi.KIND_TIME_LOCK: {
        long unlock = uint(call(CachetPoliciesAbi.unlockAt(raw), at).get(0)).longValueExact();
        return new TimeLock(id, owner, admins, version, millis(BigInteger.valueOf(unlock)));
      }
      case CachetPoliciesAbi.KIND_TOKEN_GATE: {
        List<Type> g = call(CachetPoliciesAbi.tokenGate(raw), at);
        TokenGate.Standard s = uint(g.get(1)).intValueExact() == CachetPoliciesAbi.ERC721
            ? TokenGate.Standard.ERC721 : TokenGate.Standard.ERC20;
        return new TokenGate(id, owner, admins, version, s, EvmDeployment.evmAddress(g.get(0).getValue().toString()),
            uint(g.get(2)));
      }
      case CachetPoliciesAbi.KIND_COMPOSITE: {
        List<Type> c = call(CachetPoliciesAbi.composite(raw), at);
        Composite.Mode mode = uint(c.get(0)).intValueExact() == CachetPoliciesAbi.ALL_OF
            ? Composite.Mode.ALL_OF : Composite.Mode.ANY_OF;
        List<Type> contracts = ((DynamicArray) c.get(1)).getValue();
        List<Type> ids = ((DynamicArray) c.get(2)).getValue();
        List<PolicyRef> parts = new ArrayList<>();
        for (int i = 0; i < contracts.size(); i++) {
          Address contract = EvmDeployment.evmAddress(contracts.get(i).getValue().toString());
          parts.add(new PolicyRef(new EvmLedgerId(chainId, contract).toString(),
              PolicyId.of(((Bytes32) ids.get(i)).getValue())));
        }
        return new Composite(id, owner, admins, version, mode, parts);
      }
      default:
        throw new IOException("policy " + id + " has kind " + kind + ", which this client does not know");
    }
  }

  /** As {@link #managedBy(Address, long)} from block 0. */
  @Override
  public List<PolicySummary> managedBy(Address who) throws IOException, CachetSecurityException {
    return managedBy(who, 0);
  }

  /**
   * The policies {@code who} owns or administers at the newest block. Candidates come from the
   * contract's events since {@code fromBlock} (a creation by, an admin added as, or an ownership
   * transferred to {@code who}), read in ranges of {@link #LOG_RANGE_BLOCKS}; each candidate is
   * then confirmed against the contract's state at one block, so one removed or transferred away
   * since is not listed. Give the contract's deployment block on a long chain, or the scan reads
   * every range from genesis.
   *
   * @throws LogScanTooLongException before any call when the scan would take more than
   *     {@link #MAX_LOG_CALLS} eth_getLogs calls, or when it finds more than
   *     {@link #MAX_LOG_CANDIDATES} candidates
   */
  public List<PolicySummary> managedBy(Address who, long fromBlock) throws IOException, CachetSecurityException {
    requireEvm(who, "who");
    if (fromBlock < 0) {
      throw new IllegalArgumentException("fromBlock must not be negative, was " + fromBlock);
    }
    long head = head().height();
    String topic = Numeric.toHexStringWithPrefixZeroPadded(Numeric.toBigInt(who.evmHex()), 64);
    long calls = head < fromBlock ? 0 : 2 * ((head - fromBlock) / LOG_RANGE_BLOCKS + 1);
    if (calls > MAX_LOG_CALLS) {
      throw new LogScanTooLongException("listing policies from block " + fromBlock + " to the head at " + head
          + " would take " + calls + " eth_getLogs calls, more than " + MAX_LOG_CALLS
          + "; start at the contract's deployment block", fromBlock);
    }
    TreeSet<String> candidates = new TreeSet<>();
    for (long from = fromBlock; from <= head; from += LOG_RANGE_BLOCKS) {
      long to = Math.min(head, from + LOG_RANGE_BLOCKS - 1);
      EthFilter createdOrAdmin = range(from, to);
      createdOrAdmin.addOptionalTopics(CachetPoliciesAbi.POLICY_CREATED_TOPIC, CachetPoliciesAbi.ADMIN_ADDED_TOPIC);
      createdOrAdmin.addNullTopic();
      createdOrAdmin.addSingleTopic(topic);
      EthFilter transferred = range(from, to);
      transferred.addSingleTopic(CachetPoliciesAbi.OWNERSHIP_TRANSFERRED_TOPIC);
      transferred.addNullTopic();
      transferred.addNullTopic();
      transferred.addSingleTopic(topic);
      for (EthFilter f : List.of(createdOrAdmin, transferred)) {
        for (EthLog.LogResult<?> r : EvmTransactions.check(web3j.ethGetLogs(f).send(), "eth_getLogs").getLogs()) {
          if (r.get() instanceof Log log && log.getTopics().size() > 1) {
            candidates.add(log.getTopics().get(1).toLowerCase(Locale.ROOT));
            if (candidates.size() > MAX_LOG_CANDIDATES) {
              throw new LogScanTooLongException("listing policies from block " + fromBlock + " found more than "
                  + MAX_LOG_CANDIDATES + " candidates; start at a later block", fromBlock);
            }
          }
        }
      }
    }
    DefaultBlockParameter at = DefaultBlockParameter.valueOf(BigInteger.valueOf(head));
    List<PolicySummary> out = new ArrayList<>();
    for (String candidate : candidates) {
      if (out.size() >= MAX_MANAGED_LISTED) {
        break;
      }
      PolicySummary s = summary(PolicyId.of(Numeric.hexStringToByteArray(candidate)), at);
      if (s != null && s.isManagedBy(who)) {
        out.add(s);
      }
    }
    return out;
  }

  private EthFilter range(long from, long to) {
    return new EthFilter(DefaultBlockParameter.valueOf(BigInteger.valueOf(from)),
        DefaultBlockParameter.valueOf(BigInteger.valueOf(to)), policiesHex);
  }

  /** The policy's summary at block {@code at} from describe (and unlockAt for a time lock); null if none. */
  @SuppressWarnings({"rawtypes", "unchecked"})
  private PolicySummary summary(PolicyId id, DefaultBlockParameter at) throws IOException, CachetSecurityException {
    List<Type> d = call(CachetPoliciesAbi.describe(id.bytes()), at);
    int kind = uint(d.get(0)).intValueExact();
    if (kind == CachetPoliciesAbi.KIND_NONE) {
      return null;
    }
    Set<Address> admins = new HashSet<>();
    for (Object a : ((DynamicArray) d.get(3)).getValue()) {
      admins.add(EvmDeployment.evmAddress(((Type) a).getValue().toString()));
    }
    long unlock = kind == CachetPoliciesAbi.KIND_TIME_LOCK
        ? millis(uint(call(CachetPoliciesAbi.unlockAt(id.bytes()), at).get(0))) : 0;
    String name = switch (kind) {
      case CachetPoliciesAbi.KIND_ALLOW_LIST -> "allow-list";
      case CachetPoliciesAbi.KIND_TIME_LOCK -> "time-lock";
      case CachetPoliciesAbi.KIND_TOKEN_GATE -> "token-gate";
      case CachetPoliciesAbi.KIND_COMPOSITE -> uint(call(CachetPoliciesAbi.composite(id.bytes()), at).get(0))
          .intValueExact() == CachetPoliciesAbi.ALL_OF ? "all-of" : "any-of";
      default -> "kind " + kind;
    };
    return new PolicySummary(id, name, EvmDeployment.evmAddress(d.get(1).getValue().toString()), admins,
        uint(d.get(2)).longValueExact(), uint(d.get(4)).longValueExact(), unlock);
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  private Map<Address, Window> members(byte[] id, long count, DefaultBlockParameter at)
      throws IOException, CachetSecurityException {
    Map<Address, Window> out = new HashMap<>();
    for (long offset = 0; offset < count; offset += MEMBER_PAGE) {
      List<Type> page = call(CachetPoliciesAbi.members(id, offset, MEMBER_PAGE), at);
      List<Type> accounts = ((DynamicArray) page.get(0)).getValue();
      List<Uint64> starts = ((DynamicArray) page.get(1)).getValue();
      List<Uint64> ends = ((DynamicArray) page.get(2)).getValue();
      for (int i = 0; i < accounts.size(); i++) {
        out.put(EvmDeployment.evmAddress(accounts.get(i).getValue().toString()),
            new Window(millis(starts.get(i).getValue()), millis(ends.get(i).getValue())));
      }
    }
    return out;
  }

  @Override
  public Head head() throws IOException {
    EthBlock.Block b = EvmTransactions.check(web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send(),
        "eth_getBlockByNumber").getBlock();
    return new Head(b.getNumber().longValueExact(), millis(b.getTimestamp()));
  }

  @Override
  public void close() {
    web3j.shutdown();
  }

  /**
   * Asks a policy contract of this chain (the stock one or an app's own) {@code canRead(policy,
   * reader)} at the newest block, as a key server would: the reason code it answers (0 allowed).
   * Before sealing under an app's contract, so a typo in its address cannot seal a file nobody
   * can ever open.
   *
   * @throws EvmRevertedException with reason {@code UNKNOWN_POLICY} if no contract is there, or it
   *     reverts or does not answer as {@code ICachetPolicy} does
   */
  public int canRead(Address contract, PolicyId policy, Address reader) throws IOException, CachetSecurityException {
    requireEvm(contract, "contract");
    requireEvm(reader, "reader");
    String code = EvmTransactions.check(web3j.ethGetCode(contract.evmHex(), DefaultBlockParameterName.LATEST).send(),
        "eth_getCode").getCode();
    if (code == null || code.length() <= 2) {
      throw new EvmRevertedException(Reason.UNKNOWN_POLICY.name(), "no contract at " + contract + " on chain "
          + chainId + ": check the address");
    }
    List<Type> words;
    try {
      words = tx.call(contract.evmHex(), CachetPoliciesAbi.canRead(policy.bytes(), reader.evmHex()),
          DefaultBlockParameterName.LATEST);
    } catch (EvmRevertedException | IOException | RuntimeException e) {
      throw new EvmRevertedException(Reason.UNKNOWN_POLICY.name(), "the contract at " + contract
          + " does not answer canRead as a Cachet policy does: " + e.getMessage());
    }
    if (words.size() != 2 || uint(words.get(0)).bitLength() > 8) {
      throw new EvmRevertedException(Reason.UNKNOWN_POLICY.name(), "the contract at " + contract
          + " does not answer canRead as a Cachet policy does");
    }
    return uint(words.get(0)).intValue();
  }

  @Override
  public String toString() {
    return "EvmPolicyChain[" + envelopeLedgerId() + " as " + self + "]";
  }

  // ---------------------------------------------------------------- helpers

  private TransactionReceipt send(Function f) throws IOException, CachetSecurityException {
    return tx.send(policiesHex, f);
  }

  @SuppressWarnings("rawtypes")
  private List<Type> call(Function f, DefaultBlockParameter at) throws IOException, CachetSecurityException {
    return tx.call(policiesHex, f, at);
  }

  private static long height(TransactionReceipt r) {
    return r.getBlockNumber().longValueExact();
  }

  /** The id in the receipt's PolicyCreated event from the policies contract. */
  private PolicyId created(TransactionReceipt r) throws IOException {
    for (Log log : r.getLogs()) {
      if (log.getAddress().equalsIgnoreCase(policiesHex) && !log.getTopics().isEmpty()
          && log.getTopics().get(0).equalsIgnoreCase(CachetPoliciesAbi.POLICY_CREATED_TOPIC)) {
        return PolicyId.of(Numeric.hexStringToByteArray(log.getTopics().get(1)));
      }
    }
    throw new IOException("transaction " + r.getTransactionHash() + " created no policy: no PolicyCreated event");
  }

  private static BigInteger uint(Type<?> t) {
    return (BigInteger) t.getValue();
  }

  /** Milliseconds to chain seconds, rounded up: a start never earlier than asked. */
  static BigInteger secondsUp(long millis) {
    if (millis < 0) {
      throw new IllegalArgumentException("a time must not be negative, was " + millis);
    }
    return BigInteger.valueOf(Math.floorDiv(millis, MILLIS_PER_SECOND) + (millis % MILLIS_PER_SECOND == 0 ? 0 : 1));
  }

  /** A window's end in chain seconds, rounded down (never later than asked); Long.MAX_VALUE is no end. */
  static BigInteger endSeconds(long millis) {
    if (millis == Long.MAX_VALUE) {
      return NO_END;
    }
    return BigInteger.valueOf(Math.max(0, Math.floorDiv(millis, MILLIS_PER_SECOND)));
  }

  /** Chain seconds to milliseconds; no end (or past what milliseconds hold) is Long.MAX_VALUE. */
  static long millis(BigInteger seconds) {
    BigInteger ms = seconds.multiply(BigInteger.valueOf(MILLIS_PER_SECOND));
    return seconds.equals(NO_END) || ms.bitLength() > 63 ? Long.MAX_VALUE : ms.longValueExact();
  }

  private static void requireEvm(Address a, String what) {
    Objects.requireNonNull(a, what);
    if (!a.isEvm()) {
      throw new IllegalArgumentException(what + " on an EVM chain is an EVM address, was " + a);
    }
  }
}
