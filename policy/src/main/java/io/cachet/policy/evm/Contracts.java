package io.cachet.policy.evm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Compiled contracts, as {@code policy/tools/compile-contracts.cjs} writes them: each contract's
 * ABI (JSON text) and creation bytecode by name. The stock contracts are {@link #stock()}; the
 * artifact is checked against a fresh compile by a test, so it is the compile of the committed
 * sources.
 */
public final class Contracts {
  /** The class-path resource holding the compile of {@code policy/src/main/solidity}. */
  public static final String STOCK_RESOURCE = "/io/cachet/policy/evm/contracts.json";

  /** One compiled contract. */
  public record Artifact(String name, String abi, String bytecode) {
    public Artifact {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(abi, "abi");
      if (bytecode == null || !bytecode.startsWith("0x") || bytecode.length() < 4) {
        throw new IllegalArgumentException("contract " + name + " has no creation bytecode");
      }
    }
  }

  private static volatile Contracts stock;

  private final String compiler;
  private final Map<String, Artifact> byName;

  private Contracts(String compiler, Map<String, Artifact> byName) {
    this.compiler = compiler;
    this.byName = Map.copyOf(byName);
  }

  /** The stock contracts (CachetPolicies, BlobRegistry), loaded once. */
  public static Contracts stock() {
    Contracts c = stock;
    if (c == null) {
      try {
        c = fromResource(STOCK_RESOURCE);
      } catch (IOException e) {
        throw new UncheckedIOException("the stock contracts' artifact is missing from the class path", e);
      }
      stock = c;
    }
    return c;
  }

  /** Loads an artifact from the class path. */
  public static Contracts fromResource(String resource) throws IOException {
    try (InputStream in = Contracts.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("no resource " + resource);
      }
      return parse(in);
    }
  }

  static Contracts parse(InputStream in) throws IOException {
    ObjectMapper json = new ObjectMapper();
    JsonNode root = json.readTree(in);
    Map<String, Artifact> m = new TreeMap<>();
    for (Map.Entry<String, JsonNode> e : root.path("contracts").properties()) {
      m.put(e.getKey(), new Artifact(e.getKey(), e.getValue().path("abi").toString(),
          e.getValue().path("bytecode").asText()));
    }
    return new Contracts(root.path("compiler").asText(), m);
  }

  /** The contract called {@code name}. */
  public Artifact artifact(String name) {
    Artifact a = byName.get(name);
    if (a == null) {
      throw new IllegalArgumentException("no compiled contract " + name + "; have " + byName.keySet());
    }
    return a;
  }

  /** The solc version that compiled them. */
  public String compiler() {
    return compiler;
  }
}
