package io.cachet.cli.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.cli.CommandRun;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.TestIdentities;
import io.cachet.cli.devnet.Devnet;
import io.cachet.crypto.Address;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

  /** Key servers see a grant from the block after it; 1 s blocks, with room for a loaded machine. */
  static final long GRANT_SEEN_WITHIN_MS = 30_000;

  @TempDir static Path home;
  static Devnet devnet;
  static Path passphrase;
  static Path network;
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
    String policy = asAlice("policy", "create").out().strip();
    asAlice("policy", "grant", policy, READER, "--for", "1h");
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

  static CommandRun asAlice(String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(List.of("--home", home.toString(), "--as", "alice", "--passphrase-file", passphrase.toString()));
    CommandRun r = CommandRun.of(all.toArray(String[]::new));
    assertThat(r.exit()).as("cachet %s: %s", String.join(" ", args), r.err()).isEqualTo(ExitCodes.OK);
    return r;
  }

  @Test
  void openBlob_walletOfAGrantedAccount_getsTheFileByteForByte_signingOneSessionForTwoOpens() throws Exception {
    try (WalletReader reader = WalletReader.start(network, READER, home)) {
      assertThat(reader.address).isEqualTo(READER);
      assertThat(reader.chainId).isEqualTo(31337);
      Path out = home.resolve("reader.out");
      JsonNode opened = openOnceGranted(reader, out);
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
    try (WalletReader stranger = WalletReader.start(network, STRANGER, home)) {
      Path out = home.resolve("stranger.out");
      JsonNode refused = stranger.command("open " + blob + " " + out);
      assertThat(refused.get("ok").asBoolean()).as(refused.toString()).isFalse();
      assertThat(refused.get("code").asText()).as(refused.toString()).isEqualTo("ACCESS_REFUSED");
      assertThat(refused.get("name").asText()).isEqualTo("AccessRefusedError");
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

  /**
   * Opens until the key servers have seen the grant: the SDK asks at no minimum height on an EVM
   * chain, so a key server a block behind the grant denies NOT_A_MEMBER for a moment.
   */
  private static JsonNode openOnceGranted(WalletReader reader, Path out) throws Exception {
    long deadline = System.currentTimeMillis() + GRANT_SEEN_WITHIN_MS;
    JsonNode answer;
    while (!(answer = reader.command("open " + blob + " " + out)).get("ok").asBoolean()
        && "ACCESS_REFUSED".equals(answer.get("code").asText()) && System.currentTimeMillis() < deadline) {
      Thread.sleep(500);
    }
    return answer;
  }

  /**
   * {@code browser/test/node-sdk/open-wallet.mjs}: a Node reader whose wallet is the devnet's anvil,
   * answering one JSON line per command, its stderr kept in a file and shown when a line does not come.
   */
  static final class WalletReader implements AutoCloseable {
    private static final long ANSWER_SECONDS = 90;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final Path stderr;
    final String address;
    final long chainId;

    private WalletReader(Process process, Path stderr) throws Exception {
      this.process = process;
      this.stderr = stderr;
      this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      JsonNode first = nextLine();
      this.address = first.get("address").asText();
      this.chainId = first.get("chainId").asLong();
    }

    static WalletReader start(Path network, String account, Path dir) throws Exception {
      Path stderr = Files.createTempFile(dir, "node-sdk-wallet-", ".err");
      Process p = new ProcessBuilder(List.of("node", "test/node-sdk/open-wallet.mjs", network.toString(), account))
          .directory(NodeSdkProcess.browserDir().toFile())
          .redirectError(stderr.toFile())
          .start();
      return new WalletReader(p, stderr);
    }

    JsonNode command(String line) throws Exception {
      in.write(line + "\n");
      in.flush();
      return nextLine();
    }

    private JsonNode nextLine() throws Exception {
      CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
        try {
          return out.readLine();
        } catch (IOException e) {
          return null;
        }
      });
      String text;
      try {
        text = line.get(ANSWER_SECONDS, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        text = null;
      }
      if (text == null) {
        throw new AssertionError("the node SDK gave no answer; its stderr:\n" + Files.readString(stderr));
      }
      return JSON.readTree(text);
    }

    @Override
    public void close() throws Exception {
      try {
        in.write("quit\n");
        in.flush();
      } catch (IOException e) {
        // it has ended already
      }
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
