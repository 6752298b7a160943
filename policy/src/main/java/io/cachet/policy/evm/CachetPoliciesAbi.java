package io.cachet.policy.evm;

import java.math.BigInteger;
import java.util.List;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Bytes4;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.abi.datatypes.generated.Uint8;

/**
 * The ABI of {@code CachetPolicies.sol} (and of {@code ICachetPolicy.canRead}) as web3j
 * {@link Function}s: one builder per contract function, outputs declared so that
 * {@code FunctionReturnDecoder} decodes them. Kept by hand, small, and checked against the
 * deployed contract by the tests.
 */
public final class CachetPoliciesAbi {
  /** Policy kinds, as {@code describe} returns them. */
  public static final int KIND_NONE = 0;
  public static final int KIND_ALLOW_LIST = 1;
  public static final int KIND_TIME_LOCK = 2;
  public static final int KIND_TOKEN_GATE = 3;
  public static final int KIND_COMPOSITE = 4;

  /** Token standards, as {@code createTokenGate} takes them. */
  public static final int ERC721 = 0;
  public static final int ERC20 = 1;

  /** Composite modes. */
  public static final int ALL_OF = 0;
  public static final int ANY_OF = 1;

  /** {@code PolicyCreated(bytes32 indexed policyId, uint8 kind, address indexed owner)}. */
  public static final Event POLICY_CREATED = new Event("PolicyCreated", List.of(
      new TypeReference<Bytes32>(true) {}, new TypeReference<Uint8>() {}, new TypeReference<Address>(true) {}));

  /** Topic 0 of {@link #POLICY_CREATED}. */
  public static final String POLICY_CREATED_TOPIC = EventEncoder.encode(POLICY_CREATED);

  /** Topic 0 of {@code AdminAdded(bytes32 indexed policyId, address indexed admin)}. */
  public static final String ADMIN_ADDED_TOPIC = EventEncoder.encode(new Event("AdminAdded", List.of(
      new TypeReference<Bytes32>(true) {}, new TypeReference<Address>(true) {})));

  /**
   * Topic 0 of {@code OwnershipTransferred(bytes32 indexed policyId, address indexed previousOwner,
   * address indexed newOwner)}.
   */
  public static final String OWNERSHIP_TRANSFERRED_TOPIC = EventEncoder.encode(new Event("OwnershipTransferred",
      List.of(new TypeReference<Bytes32>(true) {}, new TypeReference<Address>(true) {},
          new TypeReference<Address>(true) {})));

  private CachetPoliciesAbi() {}

  private static Function write(String name, Type<?>... inputs) {
    return new Function(name, List.of(inputs), List.of());
  }

  public static Function createAllowList() {
    return new Function("createAllowList", List.of(), List.of(new TypeReference<Bytes32>() {}));
  }

  public static Function createTimeLock(BigInteger unlockAtSeconds) {
    return new Function("createTimeLock", List.of(new Uint64(unlockAtSeconds)), List.of(new TypeReference<Bytes32>() {}));
  }

  public static Function createTokenGate(String token, int standard, BigInteger minimum) {
    return new Function("createTokenGate", List.of(new Address(token), new Uint8(standard), new Uint256(minimum)),
        List.of(new TypeReference<Bytes32>() {}));
  }

  /** createAllOf or createAnyOf over (contract, policy id) parts. */
  public static Function createComposite(int mode, List<String> contracts, List<byte[]> policyIds) {
    return new Function(mode == ALL_OF ? "createAllOf" : "createAnyOf", List.of(
        new DynamicArray<>(Address.class, contracts.stream().map(Address::new).toList()),
        new DynamicArray<>(Bytes32.class, policyIds.stream().map(Bytes32::new).toList())),
        List.of(new TypeReference<Bytes32>() {}));
  }

  public static Function addMember(byte[] policyId, String member, BigInteger start, BigInteger end) {
    return write("addMember", new Bytes32(policyId), new Address(member), new Uint64(start), new Uint64(end));
  }

  public static Function changeWindow(byte[] policyId, String member, BigInteger start, BigInteger end) {
    return write("changeWindow", new Bytes32(policyId), new Address(member), new Uint64(start), new Uint64(end));
  }

  public static Function removeMember(byte[] policyId, String member) {
    return write("removeMember", new Bytes32(policyId), new Address(member));
  }

  public static Function addAdmin(byte[] policyId, String admin) {
    return write("addAdmin", new Bytes32(policyId), new Address(admin));
  }

  public static Function removeAdmin(byte[] policyId, String admin) {
    return write("removeAdmin", new Bytes32(policyId), new Address(admin));
  }

  public static Function transferOwnership(byte[] policyId, String newOwner) {
    return write("transferOwnership", new Bytes32(policyId), new Address(newOwner));
  }

  /** {@code canRead(policyId, reader) returns (uint8 reason, uint64 validUntil)}: ICachetPolicy's one question. */
  public static Function canRead(byte[] policyId, String reader) {
    return new Function("canRead", List.of(new Bytes32(policyId), new Address(reader)),
        List.of(new TypeReference<Uint8>() {}, new TypeReference<Uint64>() {}));
  }

  /** {@code describe(id) returns (uint8 kind, address owner, uint64 version, address[] admins, uint256 memberCount)}. */
  public static Function describe(byte[] policyId) {
    return new Function("describe", List.of(new Bytes32(policyId)), List.of(new TypeReference<Uint8>() {},
        new TypeReference<Address>() {}, new TypeReference<Uint64>() {}, new TypeReference<DynamicArray<Address>>() {},
        new TypeReference<Uint256>() {}));
  }

  /** {@code members(id, offset, limit) returns (address[] accounts, uint64[] starts, uint64[] ends)}. */
  public static Function members(byte[] policyId, long offset, long limit) {
    return new Function("members", List.of(new Bytes32(policyId), new Uint256(offset), new Uint256(limit)),
        List.of(new TypeReference<DynamicArray<Address>>() {}, new TypeReference<DynamicArray<Uint64>>() {},
            new TypeReference<DynamicArray<Uint64>>() {}));
  }

  public static Function unlockAt(byte[] policyId) {
    return new Function("unlockAt", List.of(new Bytes32(policyId)), List.of(new TypeReference<Uint64>() {}));
  }

  /** {@code tokenGate(id) returns (address token, uint8 standard, uint256 minimum)}. */
  public static Function tokenGate(byte[] policyId) {
    return new Function("tokenGate", List.of(new Bytes32(policyId)), List.of(new TypeReference<Address>() {},
        new TypeReference<Uint8>() {}, new TypeReference<Uint256>() {}));
  }

  /** {@code composite(id) returns (uint8 mode, address[] contracts, bytes32[] policyIds)}. */
  public static Function composite(byte[] policyId) {
    return new Function("composite", List.of(new Bytes32(policyId)), List.of(new TypeReference<Uint8>() {},
        new TypeReference<DynamicArray<Address>>() {}, new TypeReference<DynamicArray<Bytes32>>() {}));
  }

  /** {@code nextPolicyId(sender)}: the id the sender's next created policy gets. */
  public static Function nextPolicyId(String sender) {
    return new Function("nextPolicyId", List.of(new Address(sender)), List.of(new TypeReference<Bytes32>() {}));
  }

  public static Function supportsInterface(byte[] interfaceId) {
    return new Function("supportsInterface", List.of(new Bytes4(interfaceId)),
        List.of(new TypeReference<Bool>() {}));
  }
}
