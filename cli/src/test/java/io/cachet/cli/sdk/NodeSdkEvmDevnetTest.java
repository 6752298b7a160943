package io.cachet.cli.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cachet.cli.CommandRun;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.TestIdentities;
import io.cachet.cli.devnet.Devnet;
import io.cachet.crypto.Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

/**
 * The browser SDK as an Ethereum account against real servers: an in-JVM devnet on anvil (policies
 * in the stock contract, three key servers following the chain, a storage network), Alice's
 * allow-list and file put by the CLI, and a reader in Node whose identity is a {@code WalletIdentity}
 * on an EIP-1193 provider that forwards to the devnet's anvil (its RPC URL read from
 * {@code cachet-network.json}), so anvil's {@code eth_signTypedData_v4} signs the session
 * certificate for one of its dev accounts, as an injected wallet would. The key servers recover
 * that account from the EIP-712 signature and decide on the contract.
 */
class NodeSdkEvmDevnetTest {
  /** Two segments and a bit. */
  static final int FILE_BYTES = (3 << 19) + 777;

  /** anvil's dev accounts 5 and 6 (its public test mnemonic); the devnet itself uses 0 to 2. */
  static final String READER = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
  static final String STRANGER = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";

  @TempDir static Path home;
  static Devnet devnet;
  static Path passphrase;
  static Path network;
  static String policy;
  static String blob;
  static byte[] original;

  @BeforeAll
  static void start() throws Exception {
    NodeSdkProcess.assumeAvailable();
    devnet = Devnet.start(home.resolve("devnet"), Devnet.Options.defaults().withShardSize(64 * 1024).withEvm(true));
    network = devnet.descriptorFile();
    passphrase = home.resolve("pass.txt");
    Files.writeString(passphrase, "a passphrase for the test\n");
    Address alice = TestIdentities.evm(home, "alice", passphrase);
    devnet.fundEvm(alice);
    policy = asAlice("policy", "create").out().strip();
    original = new byte[FILE_BYTES];
    new Random(712).nextBytes(original);
    Path file = home.resolve("report.bin");
    Files.write(file, original);
    blob = asAlice("put", file.toString(), "--policy", policy, "--no-progress").out().strip();
  }

  @AfterAll
  static void stop() {
    if (devnet != null) {
      devnet.close();
    }
  }

  /** {@code open-wallet.mjs}: a Node reader whose wallet is the devnet's anvil, signing for {@code account}. */
  static NodeSdkProcess wallet(String account) throws Exception {
    return NodeSdkProcess.start(home, "open-wallet.mjs", network.toString(), account);
  }

  /** anvil's newest block, read as the key servers' RPC would. */
  static long chainHead() throws Exception {
    Web3j web3j = Web3j.build(new HttpService(devnet.evmRpcUrl().toString()));
    try {
      return web3j.ethBlockNumber().send().getBlockNumber().longValueExact();
    } finally {
      web3j.shutdown();
    }
  }

  static CommandRun asAlice(String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(List.of("--home", home.toString(), "--as", "alice", "--passphrase-file", passphrase.toString()));
    CommandRun r = CommandRun.of(all.toArray(String[]::new));
    assertThat(r.exit()).as("cachet %s: %s", String.join(" ", args), r.err()).isEqualTo(ExitCodes.OK);
    return r;
  }

  /**
   * The grant is made just before the open: the SDK signs the chain's head as the height to decide
   * at, so a key server a block behind waits for the grant's block (or answers LEDGER_BEHIND and is
   * asked again) rather than refusing NOT_A_MEMBER.
   */
  @Test
  void openBlob_walletOfAnAccountGrantedAMomentAgo_getsTheFileByteForByte_signingOneSessionForTwoOpens()
      throws Exception {
    try (NodeSdkProcess reader = wallet(READER)) {
      assertThat(reader.address).isEqualTo(READER);
      assertThat(reader.first.get("chainId").asLong()).isEqualTo(31337);
      asAlice("policy", "grant", policy, READER, "--for", "1h");
      long grantSeen = chainHead();
      assertThat(reader.command("head").get("height").asLong())
          .as("the height a fetch signs: the chain's head (the devnet asks for 0 confirmations)")
          .isGreaterThanOrEqualTo(grantSeen);
      Path out = home.resolve("reader.out");
      JsonNode opened = reader.command("open " + blob + " " + out);
      assertThat(opened.get("ok").asBoolean()).as(opened.toString()).isTrue();
      assertThat(opened.get("plaintextLength").asLong()).isEqualTo(FILE_BYTES);
      assertThat(Files.readAllBytes(out)).isEqualTo(original);
      for (JsonNode o : opened.get("outcomes")) {
        assertThat(o.get("kind").asText()).as(opened.toString()).isIn("released", "not_needed");
      }

      Path again = home.resolve("reader-again.out");
      JsonNode second = reader.command("open " + blob + " " + again);
      assertThat(second.get("ok").asBoolean()).as(second.toString()).isTrue();
      assertThat(Files.readAllBytes(again)).isEqualTo(original);
      assertThat(second.get("signatures").asInt()).as("one wallet signature per session, not per open")
          .isEqualTo(opened.get("signatures").asInt());
    }
  }

  @Test
  void openBlob_walletOfAnAccountNotGranted_isRefused_withEachKeyServersReason() throws Exception {
    try (NodeSdkProcess stranger = wallet(STRANGER)) {
      Path out = home.resolve("stranger.out");
      JsonNode refused = stranger.command("open " + blob + " " + out);
      assertThat(refused.get("ok").asBoolean()).as(refused.toString()).isFalse();
      assertThat(refused.get("code").asText()).as(refused.toString()).isEqualTo("ACCESS_REFUSED");
      assertThat(refused.get("name").asText()).isEqualTo("AccessRefusedError");
      assertThat(refused.get("policyId").asText()).as("the header's policy").isEqualTo(policy);
      assertThat(refused.get("ledgerId").asText()).startsWith("eip155:31337:0x");
      JsonNode outcomes = refused.get("outcomes");
      assertThat(outcomes).hasSize(3);
      int denied = 0;
      for (JsonNode o : outcomes) {
        assertThat(o.get("kind").asText()).as(refused.toString()).isIn("denied", "not_needed");
        if (o.get("kind").asText().equals("denied")) {
          denied++;
          assertThat(o.get("reason").asText()).isEqualTo("NOT_A_MEMBER");
          assertThat(refused.get("message").asText()).contains(o.get("serverId").asText() + ": denied NOT_A_MEMBER");
        }
      }
      assertThat(denied).as("enough denials to decide the round: n - t + 1").isGreaterThanOrEqualTo(2);
      assertThat(out).satisfiesAnyOf(p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyFile());
    }
  }
}
