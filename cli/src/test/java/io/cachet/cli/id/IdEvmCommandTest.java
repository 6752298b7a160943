package io.cachet.cli.id;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.cli.Cachet;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.UsageException;
import io.cachet.crypto.Address;
import io.cachet.crypto.EvmIdentity;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Requester;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Identities of both kinds in one store: EVM ones made, imported, listed, shown and opened. */
class IdEvmCommandTest {
  private static final String ANVIL_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
  private static final String ANVIL_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
  private static final String PASSPHRASE = "correct horse battery staple";

  @TempDir Path home;
  Path pass;

  private record Run(int exit, String out, String err) {}

  private Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cachet.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @BeforeEach
  void passphrase() throws Exception {
    pass = home.resolve("pass.txt");
    Files.writeString(pass, PASSPHRASE + "\n");
  }

  private Path keyFile(String text, String mode) throws Exception {
    Path f = home.resolve("key-" + mode + ".hex");
    Files.writeString(f, text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
    return f;
  }

  @Test
  void newEvm_listsBothKinds_andShowsTheChecksummedAddress() throws Exception {
    assertThat(run("id", "new", "alice", "--home", home.toString(), "--passphrase-file", pass.toString()).exit())
        .isEqualTo(ExitCodes.OK);
    Run carol = run("id", "new", "carol", "--evm", "--home", home.toString(), "--passphrase-file", pass.toString(),
        "--json");
    assertThat(carol.exit()).as(carol.err()).isEqualTo(ExitCodes.OK);
    JsonNode c = new ObjectMapper().readTree(carol.out());
    assertThat(c.get("kind").asText()).isEqualTo("secp256k1");
    String address = c.get("address").asText();
    assertThat(address).hasSize(42);
    assertThat(Address.parse(address).toString()).isEqualTo(address);

    Run list = run("id", "list", "--home", home.toString());
    assertThat(list.out()).containsPattern("\\* alice\\s+ed25519\\s+0x[0-9a-f]{64}")
        .containsPattern("carol\\s+secp256k1 \\(EVM\\)\\s+" + address);
    JsonNode ids = new ObjectMapper().readTree(run("id", "list", "--home", home.toString(), "--json").out())
        .get("identities");
    assertThat(ids.get(0).get("kind").asText()).isEqualTo("ed25519");
    assertThat(ids.get(1).get("kind").asText()).isEqualTo("secp256k1");

    Run show = run("id", "show", "carol", "--home", home.toString());
    assertThat(show.out()).contains("secp256k1 (EVM)").contains(address);
  }

  @Test
  void importEvmKey_ownerOnlyFile_givesAnvilsAccountWithoutWarning() throws Exception {
    Path key = keyFile(ANVIL_KEY + "\n", "rw-------");
    Run r = run("id", "import", "dev0", "--evm-key-file", key.toString(), "--home", home.toString(),
        "--passphrase-file", pass.toString());
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("imported identity dev0").contains(ANVIL_ADDRESS);
    assertThat(r.err()).doesNotContain("warning");
    assertThat(Files.readString(home.resolve("ids/dev0.json"))).doesNotContain(ANVIL_KEY.substring(2));

    Requester opened = new IdentityStore(home.resolve("ids")).openRequester("dev0", PASSPHRASE.toCharArray());
    assertThat(opened).isInstanceOf(EvmIdentity.class);
    assertThat(opened.address().toString()).isEqualTo(ANVIL_ADDRESS);
  }

  @Test
  void importEvmKey_fileReadableByOthers_warns() throws Exception {
    Path key = keyFile(ANVIL_KEY.substring(2), "rw-r--r--");
    Run r = run("id", "import", "dev0", "--evm-key-file", key.toString(), "--home", home.toString(),
        "--passphrase-file", pass.toString());
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertThat(r.err()).contains("warning").contains("0600");
  }

  @Test
  void importEvmKey_notAKey_isAUsageErrorThatNeverEchoesTheFile() throws Exception {
    for (String bad : new String[] {"0x1234", "zz" + ANVIL_KEY.substring(4), "0x" + "00".repeat(32),
        "0x" + "ff".repeat(32)}) {
      Path key = keyFile(bad, "rw-------");
      Run r = run("id", "import", "x", "--evm-key-file", key.toString(), "--home", home.toString(),
          "--passphrase-file", pass.toString());
      assertThat(r.exit()).as(bad).isEqualTo(ExitCodes.USAGE);
      // the path is named; a random temporary directory's digits may hold "1234" themselves
      assertThat(r.err().replace(key.toString(), "KEY_FILE")).as(bad).doesNotContain(bad.substring(2));
    }
    assertThat(Files.exists(home.resolve("ids/x.json"))).isFalse();
  }

  @Test
  void open_evmIdentityWhereEd25519IsNeeded_saysWhichKindItIs() throws Exception {
    run("id", "new", "carol", "--evm", "--home", home.toString(), "--passphrase-file", pass.toString());
    run("id", "new", "alice", "--home", home.toString(), "--passphrase-file", pass.toString());
    IdentityStore store = new IdentityStore(home.resolve("ids"));
    assertThatThrownBy(() -> store.open("carol", PASSPHRASE.toCharArray()))
        .isInstanceOf(UsageException.class).hasMessageContaining("EVM");
    assertThat(store.open("alice", PASSPHRASE.toCharArray())).isInstanceOf(Identity.class);
    assertThat(store.openRequester("alice", PASSPHRASE.toCharArray())).isInstanceOf(Identity.class);
  }
}
