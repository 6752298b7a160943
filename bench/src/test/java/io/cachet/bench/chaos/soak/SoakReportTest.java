package io.cachet.bench.chaos.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class SoakReportTest {
  @Test
  void percentile_nearestRank() {
    List<Duration> times = LongStream.rangeClosed(1, 100).mapToObj(Duration::ofMillis).toList();
    assertThat(SoakReport.percentile(times, 50)).isEqualTo("50");
    assertThat(SoakReport.percentile(times, 99)).isEqualTo("99");
    assertThat(SoakReport.percentile(List.of(Duration.ofMillis(7)), 99)).isEqualTo("7");
    assertThat(SoakReport.percentile(List.of(), 50)).isEqualTo("-");
  }

  @Test
  void reasonOf_typedCodeNeverTheMessage() {
    assertThat(Outcomes.reasonOf(new io.cachet.storage.StorageException(
        io.cachet.storage.StorageException.Reason.INSUFFICIENT_CONFIRMATIONS, 504, "/secret/path")))
        .isEqualTo("STORAGE_INSUFFICIENT_CONFIRMATIONS");
    assertThat(Outcomes.reasonOf(new java.io.IOException("/secret/path"))).isEqualTo("IOException");
  }
}
