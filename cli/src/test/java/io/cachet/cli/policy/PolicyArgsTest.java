package io.cachet.cli.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.cachet.cli.UsageException;
import io.cachet.client.ChainDescriptor;
import io.cachet.client.ClientConfig;
import io.cachet.crypto.Address;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Composite;
import io.cachet.policy.PolicyRef;
import io.cachet.policy.TokenGate;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.URI;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How {@code policy show} prints the EVM-only kinds, and how contract addresses are read. */
class PolicyArgsTest {
  static final Address OWNER = Address.ofEvm(bytes20(1));
  static final Address TOKEN = Address.ofEvm(bytes20(2));
  static final PolicyId ID = PolicyId.of(bytes32(3));

  static byte[] bytes20(int fill) {
    byte[] b = new byte[20];
    java.util.Arrays.fill(b, (byte) fill);
    return b;
  }

  static byte[] bytes32(int fill) {
    byte[] b = new byte[32];
    java.util.Arrays.fill(b, (byte) fill);
    return b;
  }

  static String printed(io.cachet.policy.Policy p) {
    StringWriter s = new StringWriter();
    PolicyArgs.print(new PrintWriter(s, true), p);
    return s.toString();
  }

  @Test
  void show_aTokenGate_printsTheTokenAndTheLeastBalance() {
    TokenGate gate = new TokenGate(ID, OWNER, Set.of(), 1, TokenGate.Standard.ERC20, TOKEN, new BigInteger("1000"));
    assertThat(printed(gate)).contains("token gate " + ID).contains("owner    " + OWNER)
        .contains("at least 1000 of the ERC-20 " + TOKEN);
    JsonNode json = PolicyArgs.toJson(gate);
    assertThat(json.get("kind").asText()).isEqualTo("token-gate");
    assertThat(json.get("standard").asText()).isEqualTo("erc20");
    assertThat(json.get("token").asText()).isEqualTo(TOKEN.toString());
    assertThat(json.get("minimum").asText()).isEqualTo("1000");
  }

  @Test
  void show_aComposite_printsItsModeAndEveryPart() {
    PolicyRef a = new PolicyRef("eip155:31337:" + OWNER.evmHex(), PolicyId.of(bytes32(4)));
    PolicyRef b = new PolicyRef("eip155:31337:" + TOKEN.evmHex(), PolicyId.of(bytes32(5)));
    Composite any = new Composite(ID, OWNER, Set.of(), 1, Composite.Mode.ANY_OF, List.of(a, b));
    assertThat(printed(any)).contains("any-of " + ID).contains("at least one part").contains("part     " + a)
        .contains("part     " + b);
    JsonNode json = PolicyArgs.toJson(any);
    assertThat(json.get("kind").asText()).isEqualTo("any-of");
    assertThat(json.get("parts").get(1).get("ledgerId").asText()).isEqualTo(b.ledgerId());
    assertThat(json.get("parts").get(1).get("policyId").asText()).isEqualTo(b.policyId().toString());
  }

  @Test
  void evmAddress_refusesAnEmbeddedAddressAndABadChecksum_namingTheOption() {
    assertThatThrownBy(() -> PolicyArgs.evmAddress("0x" + "ab".repeat(32), "--erc721"))
        .isInstanceOf(UsageException.class).hasMessageContaining("--erc721");
    assertThatThrownBy(() -> PolicyArgs.evmAddress("0x5FBdb2315678afecb367f032d93F642f64180aa3", "--erc20"))
        .isInstanceOf(UsageException.class).hasMessageContaining("EIP-55");
    assertThat(PolicyArgs.evmAddress("0x5FbDB2315678afecb367f032d93F642f64180aa3", "--erc721").isEvm()).isTrue();
  }

  @Test
  void part_isAStockPolicyId_orContractSlashId_onTheNetworksChain() {
    ClientConfig evm = ClientConfig.builder()
        .keyServer("ks-1", URI.create("http://127.0.0.1:7001"), Identity.generate(new SecureRandom()).verifyingKey())
        .threshold(1).storage(URI.create("http://127.0.0.1:7002"), URI.create("http://127.0.0.1:7002"))
        .chain(ChainDescriptor.evm(URI.create("http://127.0.0.1:8545"), 31337, 0, OWNER, OWNER)).build();
    assertThat(PolicyArgs.part(ID.toString(), evm)).isEqualTo(new PolicyRef(evm.ledgerId(), ID));
    assertThat(PolicyArgs.part(TOKEN + "/" + ID, evm))
        .isEqualTo(new PolicyRef("eip155:31337:" + TOKEN.evmHex(), ID));
    assertThatThrownBy(() -> PolicyArgs.part("0x" + "ab".repeat(32) + "/" + ID, evm))
        .isInstanceOf(UsageException.class).hasMessageContaining("not an EVM address");
    assertThatThrownBy(() -> PolicyArgs.part(TOKEN + "/0x12", evm)).isInstanceOf(UsageException.class)
        .hasMessageContaining("not a policy id");
  }
}
