package io.cachet.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import net.jqwik.api.Example;
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

  /** Every long of milliseconds but the one whose magnitude has no long: what ConfigText writes, Settings reads. */
  @Property(tries = 500)
  void durations_roundTrip_overTheWholeLongRange(
      @ForAll @LongRange(min = Long.MIN_VALUE + 1, max = Long.MAX_VALUE) long millis) {
    Duration d = Duration.ofMillis(millis);
    Settings s = Settings.parse("x", KEYS, "d = " + ConfigText.duration(d) + "\n", "t");
    assertThat(s.signedDuration("d", null)).isEqualTo(d);
  }

  /** The case that failed: ten digits of milliseconds (ConfigText wrote them; Settings took at most nine). */
  @Example
  void durations_roundTrip_tenDigitsOfMilliseconds() {
    Duration d = Duration.ofMillis(1_000_000_001L);
    assertThat(ConfigText.duration(d)).isEqualTo("1000000001ms");
    Settings s = Settings.parse("x", KEYS, "d = " + ConfigText.duration(d) + "\n", "t");
    assertThat(s.duration("d", null)).isEqualTo(d);
  }

  @Example
  void duration_overflowingALongOfMilliseconds_isRefusedNamingTheKey() {
    Settings s = Settings.parse("x", KEYS, "d = 9223372036854775807h\n", "t.conf");
    assertThatThrownBy(() -> s.duration("d", null)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("d (from t.conf line 1) is out of range");
    Settings digits = Settings.parse("x", KEYS, "d = 99999999999999999999ms\n", "t.conf");
    assertThatThrownBy(() -> digits.duration("d", null)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("d (from t.conf line 1)");
  }

  @Property(tries = 500)
  void sizes_roundTrip(@ForAll @LongRange(min = 0, max = 1L << 42) long bytes) {
    Settings s = Settings.parse("x", KEYS, "s = " + ConfigText.size(bytes) + "\n", "t");
    assertThat(s.size("s", -1)).isEqualTo(bytes);
  }
}
