package io.cachet.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.crypto.Address;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.FormatException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;

/**
 * Which chain a network's policies live on, as the network descriptor's {@code chain} object
 * names it: the embedded ledger ({@code {"kind":"embedded"}}, or no {@code chain} object), or an
 * EVM chain ({@code {"kind":"evm","rpcUrl":...,"chainId":31337,"confirmations":0,"policies":"0x…",
 * "blobRegistry":"0x…","deployBlock":0}}).
 *
 * <p>Valid by construction: an EVM chain has an http(s) RPC URL with a host, a positive chain id,
 * a confirmation depth of 0..{@link #MAX_CONFIRMATIONS}, and EVM addresses (20 bytes) for the
 * stock policy contract and the blob registry, and a non-negative {@code deployBlock} (optional,
 * 0 when absent): a block at or before the stock contract's deployment, where scans of its events
 * start by default. The embedded kind carries none of these.
 */
public record ChainDescriptor(Kind kind, URI rpcUrl, long chainId, int confirmations, Address policies,
    Address blobRegistry, long deployBlock) {
  /** The kinds of chain a network's policies may live on. */
  public enum Kind {
    EMBEDDED, EVM;

    /** The descriptor's spelling. */
    public String json() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Deepest confirmation depth a descriptor may ask for: past it, a key server would lag by hours. */
  public static final int MAX_CONFIRMATIONS = 1024;

  private static final ChainDescriptor EMBEDDED = new ChainDescriptor(Kind.EMBEDDED, null, 0, 0, null, null, 0);

  public ChainDescriptor {
    Objects.requireNonNull(kind, "kind");
    if (kind == Kind.EMBEDDED) {
      if (rpcUrl != null || chainId != 0 || confirmations != 0 || policies != null || blobRegistry != null
          || deployBlock != 0) {
        throw new IllegalArgumentException("chain: the embedded ledger takes no rpcUrl, chainId, confirmations or"
            + " contracts");
      }
    } else {
      checkHttp(rpcUrl, "chain.rpcUrl");
      if (chainId < 1) {
        throw new IllegalArgumentException("chain.chainId must be a positive integer, got " + chainId);
      }
      if (confirmations < 0 || confirmations > MAX_CONFIRMATIONS) {
        throw new IllegalArgumentException("chain.confirmations must be 0.." + MAX_CONFIRMATIONS + ", got "
            + confirmations);
      }
      checkEvm(policies, "chain.policies");
      checkEvm(blobRegistry, "chain.blobRegistry");
      if (deployBlock < 0) {
        throw new IllegalArgumentException("chain.deployBlock must be a non-negative integer, got " + deployBlock);
      }
    }
  }

  /** The embedded ledger: today's default. */
  public static ChainDescriptor embedded() {
    return EMBEDDED;
  }

  /** An EVM chain with the stock policy contract and the blob registry deployed at the given addresses. */
  public static ChainDescriptor evm(URI rpcUrl, long chainId, int confirmations, Address policies,
      Address blobRegistry) {
    return new ChainDescriptor(Kind.EVM, rpcUrl, chainId, confirmations, policies, blobRegistry, 0);
  }

  /** This EVM chain with the stock contract deployed at or after block {@code block}. */
  public ChainDescriptor withDeployBlock(long block) {
    return new ChainDescriptor(kind, rpcUrl, chainId, confirmations, policies, blobRegistry, block);
  }

  public boolean isEvm() {
    return kind == Kind.EVM;
  }

  /**
   * The ledger id envelopes sealed under this chain's stock policies name: {@code
   * eip155:<chainId>:<policies>}. Only for an EVM chain; the embedded ledger's id is the
   * descriptor's {@code ledger.ledgerId}.
   */
  public EvmLedgerId stockLedgerId() {
    if (!isEvm()) {
      throw new IllegalStateException("the embedded ledger's id is the descriptor's ledger.ledgerId");
    }
    return new EvmLedgerId(chainId, policies);
  }

  /** The descriptor's {@code chain} object. */
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("kind", kind.json());
    if (isEvm()) {
      o.put("rpcUrl", rpcUrl.toString());
      o.put("chainId", chainId);
      o.put("confirmations", confirmations);
      o.put("policies", policies.toString());
      o.put("blobRegistry", blobRegistry.toString());
      if (deployBlock > 0) {
        o.put("deployBlock", deployBlock);
      }
    }
    return o;
  }

  /** Reads a descriptor's {@code chain} object; null or absent is the embedded ledger. */
  static ChainDescriptor parse(JsonNode chain) throws FormatException {
    if (chain == null || chain.isNull()) {
      return EMBEDDED;
    }
    if (!chain.isObject()) {
      throw new FormatException("chain must be an object");
    }
    JsonNode kind = chain.get("kind");
    if (kind == null || !kind.isTextual()) {
      throw new FormatException("chain.kind must be \"embedded\" or \"evm\"");
    }
    switch (kind.asText()) {
      case "embedded":
        return EMBEDDED;
      case "evm":
        break;
      default:
        throw new FormatException("chain.kind must be \"embedded\" or \"evm\", got \"" + kind.asText() + "\"");
    }
    URI rpc = uri(text(chain, "rpcUrl"), "chain.rpcUrl");
    long chainId = integer(chain, "chainId", true);
    long confirmations = integer(chain, "confirmations", false);
    if (confirmations > MAX_CONFIRMATIONS) {
      throw new FormatException("chain.confirmations must be 0.." + MAX_CONFIRMATIONS + ", got " + confirmations);
    }
    try {
      return evm(rpc, chainId, (int) confirmations, evmAddress(chain, "policies"), evmAddress(chain, "blobRegistry"))
          .withDeployBlock(integer(chain, "deployBlock", false));
    } catch (IllegalArgumentException e) {
      throw new FormatException(e.getMessage());
    }
  }

  private static String text(JsonNode chain, String name) throws FormatException {
    JsonNode n = chain.get(name);
    if (n == null || !n.isTextual() || n.asText().isEmpty()) {
      throw new FormatException("chain." + name + " must be a non-empty string");
    }
    return n.asText();
  }

  /** A non-negative integer field; {@code required} false means absent is 0. */
  private static long integer(JsonNode chain, String name, boolean required) throws FormatException {
    JsonNode n = chain.get(name);
    if (n == null || n.isNull()) {
      if (required) {
        throw new FormatException("chain." + name + " is required");
      }
      return 0;
    }
    if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < (required ? 1 : 0)) {
      throw new FormatException("chain." + name + " must be " + (required ? "a positive" : "a non-negative")
          + " integer, got " + n);
    }
    return n.longValue();
  }

  private static Address evmAddress(JsonNode chain, String name) throws FormatException {
    String text = text(chain, name);
    Address a;
    try {
      a = Address.parse(text);
    } catch (FormatException e) {
      throw new FormatException("chain." + name + " is not an address: " + e.getMessage());
    }
    if (!a.isEvm()) {
      throw new FormatException("chain." + name + " must be an EVM address (0x and 40 hex digits), got " + text);
    }
    return a;
  }

  private static URI uri(String text, String path) throws FormatException {
    try {
      URI u = new URI(text);
      checkHttp(u, path);
      return u;
    } catch (URISyntaxException e) {
      throw new FormatException(path + " is not a URL: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new FormatException(e.getMessage());
    }
  }

  private static void checkHttp(URI u, String path) {
    if (u == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
      throw new IllegalArgumentException(path + " must be an http(s) URL with a host, got " + u);
    }
  }

  private static void checkEvm(Address a, String path) {
    if (a == null || !a.isEvm()) {
      throw new IllegalArgumentException(path + " must be an EVM address (0x and 40 hex digits), got " + a);
    }
  }

  @Override
  public String toString() {
    return isEvm() ? "evm chain " + chainId + " at " + rpcWhere() + " (" + confirmations + " confirmations)"
        : "embedded";
  }

  /**
   * The RPC endpoint as messages and logs may show it: scheme, host and port. Providers put API
   * keys in the path or query of their URLs, so the full URL is never printed.
   */
  public String rpcWhere() {
    if (rpcUrl == null) {
      return "none";
    }
    return rpcUrl.getScheme() + "://" + rpcUrl.getHost() + (rpcUrl.getPort() < 0 ? "" : ":" + rpcUrl.getPort());
  }
}
