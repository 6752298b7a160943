package io.cachet.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Names;
import io.cachet.crypto.VerifyingKey;
import io.cachet.policy.LedgerRef;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything a client needs to know about one Cachet network, none of it secret: the chain its
 * policies live on ({@link ChainDescriptor}: the embedded ledger, or an EVM chain), for the
 * embedded ledger its URL, id, the sequencer's key and, optionally, its genesis digest, the key
 * servers (id, URL and the Ed25519 key each signs with) and the threshold, and the storage
 * network's publisher and aggregator. Read from the network
 * descriptor file ({@code cachet-network.json}, format in docs/CLIENT.md) or built in code.
 *
 * <p>Immutable. The key servers' signing keys are the trust anchor: a server's HPKE key is taken
 * from its {@code /v1/service} descriptor only if that verifies under the pinned key.
 */
public final class ClientConfig {
  public static final String FORMAT = "cachet-network/1";
  /** Envelope slots are limited to 32 key servers by the envelope format. */
  public static final int MAX_KEY_SERVERS = 32;
  /** A descriptor larger than this is not one; refuse before parsing. */
  static final int MAX_DESCRIPTOR_BYTES = 256 * 1024;
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  /** One key server as the client knows it. */
  public record KeyServer(String id, URI url, VerifyingKey signingKey) {
    public KeyServer {
      Names.check(id, "key server id");
      Objects.requireNonNull(url, "url");
      Objects.requireNonNull(signingKey, "signingKey");
    }
  }

  private final ChainDescriptor chain;
  private final URI ledgerUrl;
  private final String ledgerId;
  private final VerifyingKey sequencerKey;
  /** The ledger's genesis digest if the descriptor pins it; null: taken from the ledger's signed genesis block. */
  private final byte[] genesisDigest;
  private final int threshold;
  private final List<KeyServer> keyServers;
  private final URI publisher;
  private final URI aggregator;
  private final int defaultEpochs;
  private final Duration requestTimeout;
  private final Duration sessionTtl;

  private ClientConfig(Builder b) {
    this.chain = b.chain;
    // an EVM chain's policies are found by chain id and contract: the embedded ledger's fields are not needed
    boolean embedded = !chain.isEvm();
    this.ledgerUrl = embedded ? require(b.ledgerUrl, "ledger.url") : b.ledgerUrl;
    this.ledgerId = embedded ? require(b.ledgerId, "ledger.ledgerId") : chain.stockLedgerId().toString();
    this.sequencerKey = embedded ? require(b.sequencerKey, "ledger.sequencerKey") : b.sequencerKey;
    if (b.genesisDigest != null && b.genesisDigest.length != 32) {
      throw new IllegalArgumentException("ledger.genesisDigest is 32 bytes");
    }
    this.genesisDigest = b.genesisDigest == null ? null : b.genesisDigest.clone();
    this.keyServers = List.copyOf(b.keyServers);
    this.threshold = b.threshold;
    this.publisher = require(b.publisher, "storage.publisher");
    this.aggregator = require(b.aggregator, "storage.aggregator");
    this.defaultEpochs = b.defaultEpochs;
    this.requestTimeout = b.requestTimeout;
    this.sessionTtl = b.sessionTtl;
    if (keyServers.isEmpty() || keyServers.size() > MAX_KEY_SERVERS) {
      throw new IllegalArgumentException("keyServers.servers: 1 to " + MAX_KEY_SERVERS + " key servers, got "
          + keyServers.size());
    }
    if (threshold < 1 || threshold > keyServers.size()) {
      throw new IllegalArgumentException("keyServers.threshold must be 1.." + keyServers.size() + ", got " + threshold);
    }
    Set<String> ids = new HashSet<>();
    for (KeyServer k : keyServers) {
      if (!ids.add(k.id())) {
        throw new IllegalArgumentException("keyServers.servers: the id " + k.id() + " appears twice");
      }
    }
    if (defaultEpochs < 1) {
      throw new IllegalArgumentException("storage.epochs must be at least 1");
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero() || sessionTtl.isNegative() || sessionTtl.isZero()
        || sessionTtl.compareTo(io.cachet.crypto.protocol.SessionCertificate.MAX_TTL) > 0) {
      throw new IllegalArgumentException("timeouts must be positive and the session TTL at most "
          + io.cachet.crypto.protocol.SessionCertificate.MAX_TTL);
    }
  }

  private static <T> T require(T value, String field) {
    if (value == null) {
      throw new IllegalArgumentException(field + " is required");
    }
    return value;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Reads a network descriptor file; a bad file fails naming the field. */
  public static ClientConfig load(Path file) throws IOException, FormatException {
    if (Files.size(file) > MAX_DESCRIPTOR_BYTES) {
      throw new FormatException(file + " is larger than a network descriptor can be");
    }
    try {
      return parse(Files.readString(file));
    } catch (FormatException e) {
      throw new FormatException(file + ": " + e.getMessage());
    }
  }

  /** Parses a network descriptor: unknown fields are ignored, missing or malformed ones refused. */
  public static ClientConfig parse(String json) throws FormatException {
    if (json == null || json.length() > MAX_DESCRIPTOR_BYTES) {
      throw new FormatException("a network descriptor is JSON of at most " + MAX_DESCRIPTOR_BYTES + " bytes");
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new FormatException("the network descriptor is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new FormatException("the network descriptor must be a JSON object");
    }
    String format = text(root, "format", "format");
    if (!FORMAT.equals(format)) {
      throw new FormatException("format: expected \"" + FORMAT + "\", got \"" + format + "\"");
    }
    Builder b = builder();
    b.chain = ChainDescriptor.parse(root.get("chain"));
    if (!b.chain.isEvm()) {
      JsonNode ledger = object(root, "ledger", "ledger");
      b.ledgerUrl = uri(text(ledger, "url", "ledger.url"), "ledger.url");
      b.ledgerId = text(ledger, "ledgerId", "ledger.ledgerId");
      b.sequencerKey = key(text(ledger, "sequencerKey", "ledger.sequencerKey"), "ledger.sequencerKey");
      if (ledger.hasNonNull("genesisDigest")) {
        b.genesisDigest = LedgerRef.parseGenesisDigest(text(ledger, "genesisDigest", "ledger.genesisDigest"),
            "ledger.genesisDigest");
      }
    }
    JsonNode ks = object(root, "keyServers", "keyServers");
    JsonNode t = ks.get("threshold");
    if (t == null || !t.isIntegralNumber() || !t.canConvertToInt()) {
      throw new FormatException("keyServers.threshold must be an integer");
    }
    b.threshold = t.intValue();
    JsonNode servers = ks.get("servers");
    if (servers == null || !servers.isArray()) {
      throw new FormatException("keyServers.servers must be an array");
    }
    for (int i = 0; i < servers.size(); i++) {
      String at = "keyServers.servers[" + i + "]";
      JsonNode s = servers.get(i);
      if (!s.isObject()) {
        throw new FormatException(at + " must be an object");
      }
      String id = text(s, "id", at + ".id");
      try {
        Names.check(id, at + ".id");
      } catch (IllegalArgumentException e) {
        throw new FormatException(at + ".id: " + e.getMessage());
      }
      b.keyServers.add(new KeyServer(id, uri(text(s, "url", at + ".url"), at + ".url"),
          key(text(s, "signingKey", at + ".signingKey"), at + ".signingKey")));
    }
    JsonNode storage = object(root, "storage", "storage");
    b.publisher = uri(text(storage, "publisher", "storage.publisher"), "storage.publisher");
    b.aggregator = uri(text(storage, "aggregator", "storage.aggregator"), "storage.aggregator");
    JsonNode epochs = storage.get("epochs");
    if (epochs != null && !epochs.isNull()) {
      if (!epochs.isIntegralNumber() || !epochs.canConvertToInt()) {
        throw new FormatException("storage.epochs must be an integer");
      }
      b.defaultEpochs = epochs.intValue();
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new FormatException(e.getMessage());
    }
  }

  private static JsonNode object(JsonNode parent, String name, String path) throws FormatException {
    JsonNode n = parent.get(name);
    if (n == null || !n.isObject()) {
      throw new FormatException(path + " must be an object");
    }
    return n;
  }

  private static String text(JsonNode parent, String name, String path) throws FormatException {
    JsonNode n = parent.get(name);
    if (n == null || !n.isTextual() || n.asText().isEmpty()) {
      throw new FormatException(path + " must be a non-empty string");
    }
    return n.asText();
  }

  private static URI uri(String text, String path) throws FormatException {
    try {
      URI u = new URI(text);
      if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
        throw new FormatException(path + " must be an http(s) URL with a host, got " + text);
      }
      return u;
    } catch (URISyntaxException e) {
      throw new FormatException(path + " is not a URL: " + e.getMessage());
    }
  }

  private static VerifyingKey key(String text, String path) throws FormatException {
    try {
      return VerifyingKey.parse(text);
    } catch (FormatException | IllegalArgumentException e) {
      throw new FormatException(path + " is not an Ed25519 public key in base64url: " + e.getMessage());
    }
  }

  /**
   * The descriptor as {@link #parse} reads it, pretty-printed with a final newline: the one writer
   * of the format, so every tool that hands clients a descriptor writes what they read. The
   * client-side timeouts are not part of the format and are not written.
   */
  public String toJson() {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("format", FORMAT);
    if (chain.isEvm()) {
      root.set("chain", chain.toJson());
    } else {
      ObjectNode ledger = root.putObject("ledger");
      ledger.put("url", ledgerUrl.toString());
      ledger.put("ledgerId", ledgerId);
      ledger.put("sequencerKey", sequencerKey.toString());
      if (genesisDigest != null) {
        ledger.put("genesisDigest", "0x" + java.util.HexFormat.of().formatHex(genesisDigest));
      }
    }
    ObjectNode ks = root.putObject("keyServers");
    ks.put("threshold", threshold);
    ArrayNode servers = ks.putArray("servers");
    for (KeyServer k : keyServers) {
      servers.addObject().put("id", k.id()).put("url", k.url().toString()).put("signingKey", k.signingKey().toString());
    }
    ObjectNode storage = root.putObject("storage");
    storage.put("publisher", publisher.toString());
    storage.put("aggregator", aggregator.toString());
    storage.put("epochs", defaultEpochs);
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings and numbers always serializes", e);
    }
  }

  /** The chain the network's policies live on; {@link ChainDescriptor#embedded()} unless the descriptor names one. */
  public ChainDescriptor chain() {
    return chain;
  }

  /** Where the policies are read and written: the embedded ledger's URL, or the EVM chain's RPC URL. */
  public URI chainUrl() {
    return chain.isEvm() ? chain.rpcUrl() : ledgerUrl;
  }

  /** {@link #chainUrl} as messages may show it: an EVM RPC's scheme, host and port only (providers put keys in URLs). */
  public String chainWhere() {
    return chain.isEvm() ? chain.rpcWhere() : String.valueOf(ledgerUrl);
  }

  /** The embedded ledger's URL; null on an EVM chain. */
  public URI ledgerUrl() {
    return ledgerUrl;
  }

  /**
   * The ledger id envelopes sealed under this network's own policies name: the embedded ledger's
   * id, or on an EVM chain the stock policy contract's {@code eip155:<chainId>:<contract>}.
   */
  public String ledgerId() {
    return ledgerId;
  }

  /**
   * Whether this network's key servers decide for an envelope naming {@code envelopeLedgerId}: on
   * the embedded ledger its own id; on an EVM chain any policy contract of that chain (the stock
   * one or an app's own), as the key servers' {@code PolicyLedger.follows} judges it.
   */
  public boolean decidesFor(String envelopeLedgerId) {
    if (!chain.isEvm()) {
      return ledgerId.equals(envelopeLedgerId);
    }
    try {
      return EvmLedgerId.parse(envelopeLedgerId).chainId() == chain.chainId();
    } catch (FormatException e) {
      return false;
    }
  }

  /** The embedded ledger's sequencer key; null on an EVM chain. */
  public VerifyingKey sequencerKey() {
    return sequencerKey;
  }

  /**
   * The ledger's genesis digest as the descriptor pins it, or null if it does not: the client then
   * takes it from the ledger's genesis block, which it checks is signed by {@link #sequencerKey()}.
   */
  public byte[] genesisDigest() {
    return genesisDigest == null ? null : genesisDigest.clone();
  }

  public int threshold() {
    return threshold;
  }

  public List<KeyServer> keyServers() {
    return keyServers;
  }

  public KeyServer keyServer(String id) {
    for (KeyServer k : keyServers) {
      if (k.id().equals(id)) {
        return k;
      }
    }
    return null;
  }

  public URI publisher() {
    return publisher;
  }

  public URI aggregator() {
    return aggregator;
  }

  /** Epochs a put stores for when the caller does not say. */
  public int defaultEpochs() {
    return defaultEpochs;
  }

  /** How long one key-server or ledger call may take. */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** Lifetime of a session certificate; a new one is made when less than a fifth is left. */
  public Duration sessionTtl() {
    return sessionTtl;
  }

  @Override
  public String toString() {
    return "ClientConfig{ledger=" + ledgerId + "@" + chainWhere() + ", keyServers=" + threshold + "-of-"
        + keyServers.size() + ", publisher=" + publisher + ", aggregator=" + aggregator + "}";
  }

  public static final class Builder {
    private ChainDescriptor chain = ChainDescriptor.embedded();
    private URI ledgerUrl;
    private String ledgerId;
    private VerifyingKey sequencerKey;
    private byte[] genesisDigest;
    private int threshold;
    private final List<KeyServer> keyServers = new ArrayList<>();
    private URI publisher;
    private URI aggregator;
    private int defaultEpochs = 5;
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration sessionTtl = Duration.ofMinutes(10);

    private Builder() {}

    public Builder ledger(URI url, String ledgerId, VerifyingKey sequencerKey) {
      this.ledgerUrl = url;
      this.ledgerId = ledgerId;
      this.sequencerKey = sequencerKey;
      return this;
    }

    /** The chain the policies live on (default: the embedded ledger, whose fields {@link #ledger} sets). */
    public Builder chain(ChainDescriptor chain) {
      this.chain = Objects.requireNonNull(chain, "chain");
      return this;
    }

    /** Pins the ledger's genesis digest (null: take it from the ledger's signed genesis block). */
    public Builder genesisDigest(byte[] digest) {
      this.genesisDigest = digest == null ? null : digest.clone();
      return this;
    }

    public Builder keyServer(String id, URI url, VerifyingKey signingKey) {
      keyServers.add(new KeyServer(id, url, signingKey));
      return this;
    }

    public Builder threshold(int threshold) {
      this.threshold = threshold;
      return this;
    }

    public Builder storage(URI publisher, URI aggregator) {
      this.publisher = publisher;
      this.aggregator = aggregator;
      return this;
    }

    public Builder defaultEpochs(int epochs) {
      this.defaultEpochs = epochs;
      return this;
    }

    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    public Builder sessionTtl(Duration ttl) {
      this.sessionTtl = Objects.requireNonNull(ttl);
      return this;
    }

    public ClientConfig build() {
      return new ClientConfig(this);
    }
  }
}
