package io.cachet.bench.chaos.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SoakOptionsTest {
  @Test
  void parse_everyOption_read() {
    SoakOptions o = SoakOptions.parse("--profile", "long", "--minutes", "1.5", "--seed", "-7", "--dir", "/tmp/x",
        "--report", "r.md");
    assertThat(o.profile().name()).isEqualTo("long");
    assertThat(o.profile().load()).isEqualTo(Duration.ofSeconds(90));
    assertThat(o.profile().maxPut()).isEqualTo(SoakProfile.LONG.maxPut());
    assertThat(o.seed()).isEqualTo(-7);
    assertThat(o.dir()).isEqualTo(Path.of("/tmp/x"));
    assertThat(o.report()).isEqualTo(Path.of("r.md"));
  }

  @Test
  void parse_nothing_shortProfileTemporaryDirectory() {
    SoakOptions o = SoakOptions.parse();
    assertThat(o.profile()).isEqualTo(SoakProfile.SHORT);
    assertThat(o.dir()).isNull();
  }

  @Test
  void parse_badValues_refusedNamingTheOption() {
    assertThatThrownBy(() -> SoakOptions.parse("--profile", "medium")).hasMessageContaining("medium");
    assertThatThrownBy(() -> SoakOptions.parse("--seed", "x")).hasMessageContaining("--seed");
    assertThatThrownBy(() -> SoakOptions.parse("--minutes", "0")).hasMessageContaining("--minutes");
    assertThatThrownBy(() -> SoakOptions.parse("--minutes")).hasMessageContaining("needs a value");
    assertThatThrownBy(() -> SoakOptions.parse("--color", "red")).hasMessageContaining("unknown option --color");
  }
}
