package io.cachet.crypto;

import java.math.BigInteger;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ledger id an envelope names when its policy lives in a contract on an EVM chain: the
 * contract's CAIP-10 account id, {@code eip155:<chain id>:<contract>}, the contract in lower-case
 * hex. Because the ledger id is part of every share's context ({@link ShareContext#info}), a share
 * sealed under one chain or one contract does not open under another.
 *
 * <p>A chain as a whole (what a key server follows) is {@code eip155:<chain id>}, CAIP-2.
 */
public record EvmLedgerId(long chainId, Address contract) {
  /** The CAIP-2 namespace of EVM chains. */
  public static final String NAMESPACE = "eip155";

  private static final Pattern FORM = Pattern.compile("eip155:([1-9][0-9]{0,17}):(0x[0-9a-f]{40})");

  public EvmLedgerId {
    if (chainId < 1) {
      throw new IllegalArgumentException("an EVM chain id is positive, was " + chainId);
    }
    if (contract == null || !contract.isEvm()) {
      throw new IllegalArgumentException("a policy contract is an EVM address, was " + contract);
    }
  }

  /** The chain's own id, CAIP-2: {@code eip155:<chain id>}. */
  public static String chain(long chainId) {
    return NAMESPACE + ":" + chainId;
  }

  /** Whether {@code ledgerId} names a contract on an EVM chain (whatever its chain). */
  public static boolean isEvm(String ledgerId) {
    return ledgerId != null && ledgerId.startsWith(NAMESPACE + ":");
  }

  /** Parses {@code eip155:<chain id>:<0x + 40 lower-case hex>}; one spelling per contract. */
  public static EvmLedgerId parse(String ledgerId) throws FormatException {
    Matcher m = ledgerId == null ? null : FORM.matcher(ledgerId);
    if (m == null || !m.matches()) {
      throw new FormatException("not an EVM policy ledger id (eip155:<chain id>:<0x + 40 lower-case hex>): "
          + ledgerId);
    }
    BigInteger id = new BigInteger(m.group(1));
    if (id.bitLength() > 63) {
      throw new FormatException("EVM chain id out of range: " + m.group(1));
    }
    return new EvmLedgerId(id.longValue(), Address.parse(m.group(2)));
  }

  /** The chain's CAIP-2 id. */
  public String chain() {
    return chain(chainId);
  }

  @Override
  public String toString() {
    return chain() + ":" + contract.evmHex().toLowerCase(Locale.ROOT);
  }
}
