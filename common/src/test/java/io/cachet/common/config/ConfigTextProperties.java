package io.cachet.common.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/** A rendered value loads back to the same value. */
class ConfigTextProperties {
  private static final List<String> KEYS = List.of("d", "s");

  @Property(tries = 500)
  void durations_roundTrip(@ForAll @LongRange(min = -999_999_999L, max = 999_999_999L) long millis) {
    Duration d = Duration.ofMillis(millis);
    Settings s = Settings.parse("x", KEYS, ConfigText.render("t", java.util.Map.of("d", ConfigText.duration(d))),
        "t");
    assertThat(s.signedDuration("d", null)).isEqualTo(d);
  }

  @Property(tries = 500)
  void sizes_roundTrip(@ForAll @LongRange(min = 0, max = 1L << 42) long bytes) {
    Settings s = Settings.parse("x", KEYS, "s = " + ConfigText.size(bytes) + "\n", "t");
    assertThat(s.size("s", -1)).isEqualTo(bytes);
  }
}
