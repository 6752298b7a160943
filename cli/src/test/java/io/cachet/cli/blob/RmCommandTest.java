package io.cachet.cli.blob;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.cli.Cachet;
import io.cachet.cli.ExitCodes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cachet rm} forgets an index entry only once nothing else can fail. */
class RmCommandTest {
  @TempDir Path home;

  /** A blob id that parses: 43 characters whose last leaves the two spare bits zero. */
  private static String validId(char c) {
    return String.valueOf(c).repeat(42) + "A";
  }

  @Test
  void rm_whenTheNetworkDescriptorCannotBeRead_failsAndKeepsTheEntry() throws Exception {
    BlobIndex index = new BlobIndex(home);
    String id = validId('a');
    index.record(BlobIndexTest.entry(id, 5));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cachet.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true))
        .execute("rm", id, "--network", home.resolve("missing-network.json").toString(), "--home", home.toString());
    assertThat(exit).as(err.toString()).isEqualTo(ExitCodes.IO);
    assertThat(out.toString()).doesNotContain("forgot");
    assertThat(index.find(id)).as("the entry stays when rm fails").contains(BlobIndexTest.entry(id, 5));
  }

  @Test
  void rm_withoutANetwork_forgetsTheEntry() throws Exception {
    BlobIndex index = new BlobIndex(home);
    String id = validId('b');
    index.record(BlobIndexTest.entry(id, 5));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cachet.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true))
        .execute("rm", id, "--home", home.toString());
    assertThat(exit).as(err.toString()).isEqualTo(ExitCodes.OK);
    assertThat(out.toString()).contains("forgot a.txt " + id);
    assertThat(index.find(id)).isEmpty();
  }
}
