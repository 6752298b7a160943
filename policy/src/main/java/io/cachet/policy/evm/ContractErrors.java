package io.cachet.policy.evm;

import io.cachet.policy.Reason;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.web3j.crypto.Hash;

/**
 * The stock contracts' custom errors, by selector, and the {@link Reason} each means: the same
 * refusals the embedded ledger reports, so a caller handles a refused write alike on either chain.
 */
final class ContractErrors {
  /** The reason of a revert that names no Reason (a plain revert, or an error of another contract). */
  static final String REVERTED = "REVERTED";

  private record Known(String signature, String reason) {}

  private static final Map<String, Known> BY_SELECTOR = index(
      new Known("UnknownPolicy(bytes32)", Reason.UNKNOWN_POLICY.name()),
      new Known("NotAuthorized(bytes32,address)", Reason.NOT_AUTHORIZED.name()),
      new Known("ImmutablePolicy(bytes32)", Reason.IMMUTABLE_POLICY.name()),
      new Known("AlreadyAdmin(bytes32,address)", Reason.ALREADY_ADMIN.name()),
      new Known("NotAnAdmin(bytes32,address)", Reason.NOT_AN_ADMIN.name()),
      new Known("LimitExceeded(bytes32,uint256)", Reason.LIMIT_EXCEEDED.name()),
      new Known("InvalidWindow(uint64,uint64)", Reason.INVALID_WINDOW.name()),
      new Known("AlreadyMember(bytes32,address)", Reason.ALREADY_MEMBER.name()),
      new Known("NotAMember(bytes32,address)", Reason.NOT_A_MEMBER.name()),
      new Known("InvalidTokenGate(address,uint8,uint256)", REVERTED),
      new Known("ZeroOwner(bytes32)", REVERTED),
      new Known("InvalidComposite(uint256)", Reason.LIMIT_EXCEEDED.name()),
      new Known("CompositeTooLarge(uint256,uint256)", Reason.LIMIT_EXCEEDED.name()),
      new Known("NotAuthorized(address)", Reason.NOT_AUTHORIZED.name()),
      new Known("InvalidCertificate(bytes32)", Reason.BAD_CERTIFICATE.name()));

  private ContractErrors() {}

  private static Map<String, Known> index(Known... known) {
    Map<String, Known> m = new HashMap<>();
    for (Known k : known) {
      m.put(selector(k.signature()), k);
    }
    return Map.copyOf(m);
  }

  /** The 4-byte selector of an error or function signature, {@code 0x} + 8 hex. */
  static String selector(String signature) {
    return Hash.sha3String(signature).substring(0, 10);
  }

  /** The refusal that revert data {@code data} (hex, possibly null) of {@code action} means. */
  static EvmRevertedException refusal(String action, String data) {
    String hex = data == null ? "" : data.replaceAll("[^0-9a-fA-Fx]", "").toLowerCase(Locale.ROOT);
    Known k = hex.length() >= 10 ? BY_SELECTOR.get(hex.substring(0, 10)) : null;
    if (k == null) {
      return new EvmRevertedException(REVERTED, action + " reverted"
          + (hex.length() >= 10 ? " with error " + hex.substring(0, 10) : ""));
    }
    return new EvmRevertedException(k.reason(), action + " refused: " + k.signature());
  }
}
