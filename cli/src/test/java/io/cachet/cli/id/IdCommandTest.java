package io.cachet.cli.id;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.cli.Cachet;
import io.cachet.cli.ExitCodes;
import io.cachet.crypto.Keystore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdCommandTest {
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
    Files.writeString(pass, "correct horse battery staple\n");
  }

  @Test
  void new_list_show_theFirstIsTheDefault() throws Exception {
    Run a = run("id", "new", "alice", "--home", home.toString(), "--passphrase-file", pass.toString(), "--json");
    assertThat(a.exit()).as(a.err()).isEqualTo(ExitCodes.OK);
    JsonNode alice = new ObjectMapper().readTree(a.out());
    assertThat(alice.get("default").asBoolean()).isTrue();
    assertThat(alice.get("address").asText()).startsWith("0x").hasSize(66);

    Run b = run("id", "new", "bob", "--home", home.toString(), "--passphrase-file", pass.toString());
    assertThat(b.exit()).as(b.err()).isEqualTo(ExitCodes.OK);
    assertThat(b.out()).contains("created identity bob").doesNotContain("(default)");

    Run list = run("id", "list", "--home", home.toString(), "--json");
    JsonNode ids = new ObjectMapper().readTree(list.out()).get("identities");
    assertThat(ids).hasSize(2);
    assertThat(ids.get(0).get("name").asText()).isEqualTo("alice");
    assertThat(ids.get(0).get("default").asBoolean()).isTrue();

    Run show = run("id", "show", "--home", home.toString());
    assertThat(show.out()).contains("identity alice (default)").contains(alice.get("address").asText());

    // the keystore is the crypto module's format, readable only by its owner, and opens with the passphrase
    Path file = home.resolve("ids/alice.json");
    assertThat(Files.getPosixFilePermissions(file))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(Keystore.decrypt(Files.readAllBytes(file), "correct horse battery staple".toCharArray())
        .address().toString()).isEqualTo(alice.get("address").asText());
    assertThat(Files.readString(file)).doesNotContain("correct horse");
  }

  @Test
  void defaultCanBeMoved() {
    run("id", "new", "alice", "--home", home.toString(), "--passphrase-file", pass.toString());
    Run b = run("id", "new", "bob", "--default", "--home", home.toString(), "--passphrase-file", pass.toString());
    assertThat(b.out()).contains("(default)");
    assertThat(run("id", "list", "--home", home.toString()).out()).containsPattern("\\* bob");
  }

  @Test
  void existingName_isRefused_andTheKeystoreIsUntouched() throws Exception {
    run("id", "new", "alice", "--home", home.toString(), "--passphrase-file", pass.toString());
    byte[] before = Files.readAllBytes(home.resolve("ids/alice.json"));
    Run again = run("id", "new", "alice", "--home", home.toString(), "--passphrase-file", pass.toString());
    assertThat(again.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(again.err()).contains("exists already");
    assertThat(Files.readAllBytes(home.resolve("ids/alice.json"))).isEqualTo(before);
  }

  @Test
  void badNames_unknownIds_andMissingPassphrases_areUsageErrors() throws Exception {
    for (String bad : new String[] {"Alice", "../x", "-x", "", "a".repeat(33), "a b"}) {
      Run r = run("id", "new", bad, "--home", home.toString(), "--passphrase-file", pass.toString());
      assertThat(r.exit()).as(bad).isEqualTo(ExitCodes.USAGE);
    }
    assertThat(Files.exists(home.resolve("ids"))).isFalse();

    Run unknown = run("id", "show", "carol", "--home", home.toString());
    assertThat(unknown.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(unknown.err()).contains("no identity named 'carol'");

    Run noDefault = run("id", "show", "--home", home.toString());
    assertThat(noDefault.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(noDefault.err()).contains("cachet id new NAME");

    Path empty = home.resolve("empty.txt");
    Files.writeString(empty, "\n");
    Run r = run("id", "new", "alice", "--home", home.toString(), "--passphrase-file", empty.toString());
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("empty line");
  }

  @Test
  void damagedKeystore_isAnIoErrorNamingTheFile() throws Exception {
    run("id", "new", "alice", "--home", home.toString(), "--passphrase-file", pass.toString());
    Files.writeString(home.resolve("ids/alice.json"), "{not a keystore");
    Run r = run("id", "list", "--home", home.toString());
    assertThat(r.exit()).isEqualTo(ExitCodes.IO);
    assertThat(r.err()).contains("alice.json").contains("damaged");
  }

  @Test
  void refusals_carryStableReasons_andNoFilePath() throws Exception {
    run("id", "new", "alice", "--home", home.toString(), "--passphrase-file", pass.toString());
    Run again = run("id", "new", "alice", "--home", home.toString(), "--passphrase-file", pass.toString(), "--json");
    JsonNode exists = new ObjectMapper().readTree(again.out()).get("error");
    assertThat(exists.get("reason").asText()).isEqualTo(IdentityStore.IDENTITY_EXISTS);
    assertThat(exists.get("message").asText()).doesNotContain(home.toString());

    Run unknown = run("id", "export", "carol", "--home", home.toString(), "--json");
    JsonNode none = new ObjectMapper().readTree(unknown.out()).get("error");
    assertThat(none.get("reason").asText()).isEqualTo(IdentityStore.NO_SUCH_IDENTITY);
    assertThat(none.get("message").asText()).doesNotContain(home.toString());

    Run bad = run("id", "new", "Alice", "--home", home.toString(), "--passphrase-file", pass.toString(), "--json");
    assertThat(new ObjectMapper().readTree(bad.out()).get("error").get("reason").asText())
        .isEqualTo(IdentityStore.BAD_NAME);
  }

  @Test
  void listJson_namesTheKindOfIdentityTheNetworksChainTakes() throws Exception {
    Run none = run("id", "list", "--home", home.toString(), "--json");
    assertThat(new ObjectMapper().readTree(none.out()).has("network")).isFalse();

    Path evm = home.resolve("evm-network.json");
    Files.writeString(evm, "{\"format\": \"cachet-network/1\", \"chain\": {\"kind\": \"evm\", \"rpcUrl\":"
        + " \"http://127.0.0.1:8545\", \"chainId\": 31337, \"confirmations\": 0, \"policies\":"
        + " \"0x5FbDB2315678afecb367f032d93F642f64180aa3\", \"blobRegistry\":"
        + " \"0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512\"}, \"keyServers\": {\"threshold\": 1, \"servers\":"
        + " [{\"id\": \"ks-1\", \"url\": \"http://127.0.0.1:7201\", \"signingKey\":"
        + " \"iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w\"}]}, \"storage\": {\"publisher\":"
        + " \"http://127.0.0.1:7300\", \"aggregator\": \"http://127.0.0.1:7300\", \"epochs\": 3}}");
    Run list = run("id", "list", "--home", home.toString(), "--network", evm.toString(), "--json");
    assertThat(list.exit()).as(list.err()).isEqualTo(ExitCodes.OK);
    JsonNode network = new ObjectMapper().readTree(list.out()).get("network");
    assertThat(network.get("chain").asText()).isEqualTo("evm");
    assertThat(network.get("identityKind").asText()).isEqualTo("secp256k1");

    Files.writeString(home.resolve("network.json"), "{not a descriptor");
    Run broken = run("id", "list", "--home", home.toString(), "--json");
    assertThat(broken.exit()).as("listing identities does not depend on the network").isEqualTo(ExitCodes.OK);
    assertThat(new ObjectMapper().readTree(broken.out()).has("network")).isFalse();
  }

  @Test
  void emptyHome_listsNothingHelpfully() {
    Run r = run("id", "list", "--home", home.toString());
    assertThat(r.exit()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("cachet id new NAME");
  }
}
