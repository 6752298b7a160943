package io.cachet.cli.contact;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.cli.CommandRun;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.TestIdentities;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cachet contact}'s refusals carry stable reasons a script (or the console) switches on. */
class ContactCommandTest {
  static final String ADDRESS = "0x" + "ab".repeat(32);

  @TempDir Path home;

  private JsonNode error(String... args) throws Exception {
    String[] all = new String[args.length + 3];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--home";
    all[args.length + 1] = home.toString();
    all[args.length + 2] = "--json";
    CommandRun r = CommandRun.of(all);
    assertThat(r.exit()).as(r.output()).isEqualTo(ExitCodes.USAGE);
    JsonNode error = new ObjectMapper().readTree(r.out()).get("error");
    assertThat(error.get("message").asText()).doesNotContain(home.toString());
    return error;
  }

  @Test
  void add_aMalformedAddress_isBadAddress_withTheHint() throws Exception {
    JsonNode e = error("contact", "add", "dana", "0x12zz");
    assertThat(e.get("reason").asText()).isEqualTo("BAD_ADDRESS");
    assertThat(e.get("hint").asText()).contains("cachet id export");
  }

  @Test
  void add_aBadName_isBadName() throws Exception {
    assertThat(error("contact", "add", "Dana!", ADDRESS).get("reason").asText()).isEqualTo("BAD_NAME");
  }

  @Test
  void add_theNameOfAnIdentity_isNameOfIdentity() throws Exception {
    Path pass = home.resolve("pass.txt");
    Files.writeString(pass, "contact command test\n");
    TestIdentities.ed25519(home, "bob", pass);
    assertThat(error("contact", "add", "bob", ADDRESS).get("reason").asText()).isEqualTo("NAME_OF_IDENTITY");
  }

  @Test
  void remove_anUnknownName_isNoSuchContact() throws Exception {
    assertThat(error("contact", "remove", "gina").get("reason").asText()).isEqualTo("NO_SUCH_CONTACT");
  }
}
