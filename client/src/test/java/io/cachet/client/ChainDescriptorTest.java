package io.cachet.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.crypto.Address;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Identity;
import java.net.URI;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/** The network descriptor's {@code chain} object: what it accepts, what it refuses, and how it reads back. */
class ChainDescriptorTest {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final String POLICIES = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  static final String REGISTRY = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
  static final String KEY = Base64Url.encode(Identity.generate(new SecureRandom()).verifyingKey().bytes());

  /** A whole descriptor with {@code chain} (null: none) and the embedded ledger's object only if {@code ledger}. */
  static ObjectNode descriptor(ObjectNode chain, boolean ledger) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("format", ClientConfig.FORMAT);
    if (chain != null) {
      root.set("chain", chain);
    }
    if (ledger) {
      ObjectNode l = root.putObject("ledger");
      l.put("url", "http://127.0.0.1:7000");
      l.put("ledgerId", "cachet-devnet");
      l.put("sequencerKey", KEY);
    }
    ObjectNode ks = root.putObject("keyServers");
    ks.put("threshold", 1);
    ObjectNode s = ks.putArray("servers").addObject();
    s.put("id", "ks-1");
    s.put("url", "http://127.0.0.1:7001");
    s.put("signingKey", KEY);
    ObjectNode st = root.putObject("storage");
    st.put("publisher", "http://127.0.0.1:7002");
    st.put("aggregator", "http://127.0.0.1:7002");
    return root;
  }

  static ObjectNode evm() {
    ObjectNode c = MAPPER.createObjectNode();
    c.put("kind", "evm");
    c.put("rpcUrl", "http://127.0.0.1:8545");
    c.put("chainId", 31337);
    c.put("confirmations", 2);
    c.put("policies", POLICIES);
    c.put("blobRegistry", REGISTRY);
    return c;
  }

  static ClientConfig parse(ObjectNode root) throws FormatException {
    return ClientConfig.parse(root.toString());
  }

  @Test
  void parse_withoutAChain_isTheEmbeddedLedger() throws Exception {
    ClientConfig c = parse(descriptor(null, true));
    assertThat(c.chain()).isEqualTo(ChainDescriptor.embedded());
    assertThat(c.ledgerId()).isEqualTo("cachet-devnet");
    ObjectNode kind = MAPPER.createObjectNode().put("kind", "embedded");
    assertThat(parse(descriptor(kind, true)).chain()).isEqualTo(ChainDescriptor.embedded());
  }

  @Test
  void parse_anEvmChain_needsNoEmbeddedLedger_andNamesTheStockContractAsItsLedgerId() throws Exception {
    ClientConfig c = parse(descriptor(evm(), false));
    ChainDescriptor chain = c.chain();
    assertThat(chain.isEvm()).isTrue();
    assertThat(chain.rpcUrl()).isEqualTo(URI.create("http://127.0.0.1:8545"));
    assertThat(chain.chainId()).isEqualTo(31337);
    assertThat(chain.confirmations()).isEqualTo(2);
    assertThat(chain.policies()).isEqualTo(Address.parse(POLICIES));
    assertThat(chain.blobRegistry()).isEqualTo(Address.parse(REGISTRY));
    assertThat(c.ledgerId()).isEqualTo("eip155:31337:" + POLICIES.toLowerCase());
    assertThat(c.ledgerUrl()).isNull();
    assertThat(c.sequencerKey()).isNull();
  }

  @Test
  void toJson_readsBackAsTheSameChain() throws Exception {
    ChainDescriptor chain = parse(descriptor(evm(), false)).chain();
    assertThat(parse(descriptor(chain.toJson(), false)).chain()).isEqualTo(chain);
    assertThat(chain.toJson().get("policies").asText()).isEqualTo(POLICIES);
    ChainDescriptor embedded = ChainDescriptor.embedded();
    assertThat(parse(descriptor(embedded.toJson(), true)).chain()).isEqualTo(embedded);
  }

  @Test
  void parse_anEvmChain_withoutConfirmations_takesZero() throws Exception {
    ObjectNode c = evm();
    c.remove("confirmations");
    assertThat(parse(descriptor(c, false)).chain().confirmations()).isZero();
  }

  @Test
  void parse_anEvmChainsDeployBlock_isKept_roundTrips_andAbsentIsZero() throws Exception {
    ObjectNode c = evm();
    assertThat(parse(descriptor(c, false)).chain().deployBlock()).isZero();
    c.put("deployBlock", 19_000_000L);
    ChainDescriptor chain = parse(descriptor(c, false)).chain();
    assertThat(chain.deployBlock()).isEqualTo(19_000_000L);
    assertThat(parse(descriptor(chain.toJson(), false)).chain()).isEqualTo(chain);
    refused("deployBlock", -1L, "chain.deployBlock");
    refused("deployBlock", "19000000", "chain.deployBlock");
  }

  @Test
  void parse_anEmbeddedChain_withoutItsLedger_isRefusedNamingTheField() {
    assertThatThrownBy(() -> parse(descriptor(null, false))).isInstanceOf(FormatException.class)
        .hasMessageContaining("ledger must be an object");
  }

  /** One field of an otherwise good EVM chain set to {@code value}, and the phrase the refusal must carry. */
  static void refused(String field, Object value, String phrase) {
    ObjectNode c = evm();
    if (value == null) {
      c.remove(field);
    } else if (value instanceof Long n) {
      c.put(field, n);
    } else {
      c.set(field, MAPPER.valueToTree(value));
    }
    assertThatThrownBy(() -> parse(descriptor(c, false))).as("%s = %s", field, value)
        .isInstanceOf(FormatException.class).hasMessageContaining(phrase);
  }

  @Test
  void parse_hostileChains_areRefusedNamingTheField() {
    refused("kind", "solana", "chain.kind");
    refused("kind", 7L, "chain.kind");
    refused("kind", null, "chain.kind");
    refused("rpcUrl", null, "chain.rpcUrl");
    refused("rpcUrl", "ws://127.0.0.1:8545", "chain.rpcUrl must be an http(s) URL");
    refused("rpcUrl", "file:///etc/passwd", "chain.rpcUrl must be an http(s) URL");
    refused("rpcUrl", "http://[::1", "chain.rpcUrl");
    refused("chainId", null, "chain.chainId is required");
    refused("chainId", 0L, "chain.chainId must be a positive integer");
    refused("chainId", -1L, "chain.chainId must be a positive integer");
    refused("chainId", "31337", "chain.chainId must be a positive integer");
    refused("chainId", 1.5, "chain.chainId");
    refused("chainId", new java.math.BigInteger("99999999999999999999999"), "chain.chainId");
    refused("confirmations", -1L, "chain.confirmations");
    refused("confirmations", (long) ChainDescriptor.MAX_CONFIRMATIONS + 1, "chain.confirmations must be 0..");
    refused("policies", null, "chain.policies");
    refused("policies", "0x1234", "chain.policies is not an address");
    refused("policies", "0x5fbdb2315678afecb367f032d93f642f64180aa3".replace("0x5f", "0x5F").replace("aa3", "AA3"),
        "EIP-55");
    refused("policies", "0x" + "ab".repeat(32), "chain.policies must be an EVM address");
    refused("blobRegistry", "", "chain.blobRegistry must be a non-empty string");
    refused("blobRegistry", "0x" + "cd".repeat(32), "chain.blobRegistry must be an EVM address");
  }

  @Test
  void parse_aChainThatIsNotAnObject_isRefused() {
    ObjectNode root = descriptor(null, true);
    root.put("chain", "evm");
    assertThatThrownBy(() -> parse(root)).isInstanceOf(FormatException.class).hasMessageContaining("chain must be an object");
  }

  @Test
  void builder_anEvmChain_refusesAnEmbeddedAddressAsAContract() {
    byte[] raw = new byte[32];
    raw[0] = 1;
    Address embedded = Address.of(raw);
    assertThatThrownBy(() -> ChainDescriptor.evm(URI.create("http://127.0.0.1:8545"), 31337, 0, embedded, embedded))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chain.policies");
  }
}
