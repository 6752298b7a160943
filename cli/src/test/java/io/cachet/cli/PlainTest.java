package io.cachet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.storage.network.EpochSchedule;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlainTest {
  static final EpochSchedule HOURLY = new EpochSchedule(Instant.parse("2026-12-07T09:00:00Z").toEpochMilli(),
      3_600_000, 53);

  static <T> T withTz(String tz, java.util.concurrent.Callable<T> body) throws Exception {
    Invocation run = new Invocation(tz == null ? Map.of() : Map.of("TZ", tz), Path.of("."),
        new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(), new PrintStream(new ByteArrayOutputStream()),
        false);
    return Invocation.call(run, body);
  }

  @Test
  void size_picksTheUnitThatFits() {
    assertThat(Plain.size(0)).isEqualTo("0 bytes");
    assertThat(Plain.size(1)).isEqualTo("1 byte");
    assertThat(Plain.size(26)).isEqualTo("26 bytes");
    assertThat(Plain.size(1023)).isEqualTo("1023 bytes");
    assertThat(Plain.size(1024)).isEqualTo("1.0 KiB");
    assertThat(Plain.size(3 << 19)).isEqualTo("1.5 MiB");
    assertThat(Plain.size((1L << 20) - 1)).isEqualTo("1.0 MiB");
    assertThat(Plain.size(5L << 30)).isEqualTo("5.0 GiB");
  }

  @Test
  void lifetime_withTheSchedule_saysLocalTimeRelativeAndEpochLength() throws Exception {
    Instant now = Instant.parse("2026-12-07T11:00:00Z");
    assertThat(withTz("UTC", () -> Plain.lifetime(5, HOURLY, now))).isEqualTo(
        "stored until 2026-12-07 14:00 UTC, in 3 h (epoch 5; epochs are 1 h on this network)");
    assertThat(withTz("UTC", () -> Plain.lifetime(1, HOURLY, now))).isEqualTo(
        "expired 2026-12-07 10:00 UTC, 1 h ago (epoch 1; epochs are 1 h on this network)");
  }

  @Test
  void lifetime_withoutTheSchedule_saysOnlyTheEpoch() {
    assertThat(Plain.lifetime(5, null, Instant.EPOCH)).isEqualTo("stored until epoch 5");
    assertThat(Plain.expiry(5, null, Instant.EPOCH)).isEqualTo("until epoch 5");
  }

  @Test
  void time_isInTheZoneTzNames_elseTheSystems() throws Exception {
    Instant at = Instant.parse("2026-12-07T14:00:00Z");
    assertThat(withTz("Asia/Tokyo", () -> Plain.time(at))).isEqualTo("2026-12-07 23:00 JST");
    assertThat(withTz(":UTC", () -> Plain.time(at))).isEqualTo("2026-12-07 14:00 UTC");
    assertThat(withTz("Not/AZone", () -> Plain.zone())).isEqualTo(java.time.ZoneId.systemDefault());
  }

  @Test
  void duration_andRelative_readPlainly() {
    assertThat(Plain.duration(Duration.ofSeconds(45))).isEqualTo("45 s");
    assertThat(Plain.duration(Duration.ofMinutes(25))).isEqualTo("25 min");
    assertThat(Plain.duration(Duration.ofMinutes(90))).isEqualTo("1 h 30 min");
    assertThat(Plain.duration(Duration.ofDays(3))).isEqualTo("3 days");
    assertThat(Plain.relative(Duration.ofMinutes(-5))).isEqualTo("5 min ago");
    assertThat(Plain.relative(Duration.ZERO)).isEqualTo("now");
  }
}
