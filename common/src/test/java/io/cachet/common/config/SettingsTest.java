package io.cachet.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one configuration format: three layers, the later winning, and errors naming key and origin. */
class SettingsTest {
  private static final List<String> KEYS = List.of("port", "data-dir", "clock-offset", "max-blob-size", "peers",
      "open", "rate");

  @TempDir Path dir;

  private Path file(String text) throws Exception {
    Path f = dir.resolve("node.conf");
    Files.writeString(f, text);
    return f;
  }

  @Test
  void flagsWinOverEnvironment_whichWinsOverTheFile() throws Exception {
    Path f = file("# a node\nport = 7501\n\ndata-dir = /srv/node\nrate = 2.5\n");
    Settings s = Settings.load("node", KEYS, f, Map.of("CACHET_NODE_PORT", "7502", "CACHET_NODE_DATA_DIR", "/a",
        "PATH", "/bin", "CACHET_LEDGER_NOT_MINE", "x"), List.of("data-dir=/b"));

    assertThat(s.integer("port", 0)).isEqualTo(7502);
    assertThat(s.origin("port")).isEqualTo("environment variable CACHET_NODE_PORT");
    assertThat(s.path("data-dir", null)).isEqualTo(Path.of("/b"));
    assertThat(s.origin("data-dir")).isEqualTo("--set data-dir");
    assertThat(s.decimal("rate", 0)).isEqualTo(2.5);
    assertThat(s.origin("rate")).isEqualTo(f + " line 5");
    assertThat(s.integer("open", 9)).isEqualTo(9);
    assertThat(s.origin("open")).isEqualTo("the default");
  }

  @Test
  void unknownKey_inEachLayer_isRefusedWithWhereItWas() throws Exception {
    assertThatThrownBy(() -> Settings.load("node", KEYS, file("port = 1\nprot = 2\n"), Map.of(), List.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("line 2").hasMessageContaining("unknown key 'prot'");
    assertThatThrownBy(() -> Settings.load("node", KEYS, null, Map.of("CACHET_NODE_PROT", "1"), List.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("CACHET_NODE_PROT names no node setting");
    assertThatThrownBy(() -> Settings.load("node", KEYS, null, Map.of(), List.of("prot=1")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("unknown key 'prot'");
  }

  @Test
  void repeatedKeys_andMalformedLines_areRefused() throws Exception {
    assertThatThrownBy(() -> Settings.load("node", KEYS, file("port = 1\nport = 2\n"), Map.of(), List.of()))
        .hasMessageContaining("line 2: port given twice");
    assertThatThrownBy(() -> Settings.load("node", KEYS, file("port 1\n"), Map.of(), List.of()))
        .hasMessageContaining("line 1: expected key = value");
    assertThatThrownBy(() -> Settings.load("node", KEYS, null, Map.of(), List.of("port=1", "port=2")))
        .hasMessageContaining("--set port given twice");
    assertThatThrownBy(() -> Settings.load("node", KEYS, null, Map.of(), List.of("port")))
        .hasMessageContaining("expected --set key=value");
  }

  @Test
  void badValue_namesTheKeyItsOriginAndTheValue() throws Exception {
    Settings s = Settings.load("node", KEYS, file("port = seven\n"), Map.of("CACHET_NODE_CLOCK_OFFSET", "soon"),
        List.of("max-blob-size=12TB"));
    assertThatThrownBy(() -> s.integer("port", 0)).isInstanceOf(ConfigException.class)
        .hasMessage("port (from " + dir.resolve("node.conf") + " line 1) must be an integer, was 'seven'");
    assertThatThrownBy(() -> s.signedDuration("clock-offset", Duration.ZERO))
        .hasMessageContaining("clock-offset (from environment variable CACHET_NODE_CLOCK_OFFSET)");
    assertThatThrownBy(() -> s.size("max-blob-size", 0)).hasMessageContaining("(from --set max-blob-size)")
        .hasMessageContaining("'12TB'");
  }

  @Test
  void requiredKey_unset_saysEveryWayToSetIt() throws Exception {
    Settings s = Settings.load("gateway", KEYS, null, Map.of(), List.of());
    assertThatThrownBy(() -> s.required("data-dir")).hasMessageContaining("CACHET_GATEWAY_DATA_DIR")
        .hasMessageContaining("--set data-dir=");
  }

  @Test
  void typedValues_parseEverySyntax() {
    Settings s = Settings.parse("node", KEYS, "clock-offset = -90s\nmax-blob-size = 64GiB\npeers = a, b,,c\n"
        + "open = true\nport = 0\n", "t");
    assertThat(s.signedDuration("clock-offset", Duration.ZERO)).isEqualTo(Duration.ofSeconds(-90));
    assertThatThrownBy(() -> s.duration("clock-offset", Duration.ZERO)).hasMessageContaining("must not be negative");
    assertThat(s.size("max-blob-size", 0)).isEqualTo(64L << 30);
    assertThat(s.list("peers")).containsExactly("a", "b", "c");
    assertThat(s.bool("open", false)).isTrue();
    assertThat(s.integer("port", 7)).isZero();
    assertThat(s.raw()).containsEntry("max-blob-size", "64GiB");
  }

  @Test
  void gettingAKeyThePartDoesNotKnow_isABug() {
    Settings s = Settings.parse("node", KEYS, "", "t");
    assertThatThrownBy(() -> s.string("nope", null)).isInstanceOf(IllegalArgumentException.class)
        .isNotInstanceOf(ConfigException.class);
  }

  @Test
  void path_fromTheFile_isReadFromTheFilesDirectory() throws Exception {
    Path sub = Files.createDirectories(dir.resolve("etc"));
    Path f = sub.resolve("node.conf");
    Files.writeString(f, "data-dir = data/node-1\n");
    Settings s = Settings.load("node", KEYS, f, Map.of(), List.of());

    assertThat(s.path("data-dir", null)).isEqualTo(sub.toAbsolutePath().resolve("data/node-1").normalize());
  }

  @Test
  void path_fromTheFile_absolute_staysAsWritten() throws Exception {
    Settings s = Settings.load("node", KEYS, file("data-dir = /srv/node\n"), Map.of(), List.of());

    assertThat(s.path("data-dir", null)).isEqualTo(Path.of("/srv/node"));
  }

  @Test
  void path_fromEnvironmentOrFlag_isRelativeToTheWorkingDirectory() throws Exception {
    Path f = file("data-dir = in-file\n");
    Settings env = Settings.load("node", KEYS, f, Map.of("CACHET_NODE_DATA_DIR", "from-env"), List.of());
    Settings flag = Settings.load("node", KEYS, f, Map.of(), List.of("data-dir=from-flag"));

    assertThat(env.path("data-dir", null)).isEqualTo(Path.of("from-env"));
    assertThat(flag.path("data-dir", null)).isEqualTo(Path.of("from-flag"));
  }
}
