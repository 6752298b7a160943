package io.cachet.bench.chaos.soak;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Objects;

/**
 * What one soak run is asked to do.
 *
 * @param profile the profile, its load length possibly overridden by {@code --minutes}
 * @param seed every random choice of the run comes from it (printed, so a run can be replayed)
 * @param dir where the network and the records live; null for a temporary directory, removed if the run passed
 * @param report where the markdown report goes; null for {@code DIR/soak-report.md} only
 */
public record SoakOptions(SoakProfile profile, long seed, Path dir, Path report) {
  public SoakOptions {
    Objects.requireNonNull(profile, "profile");
  }

  /**
   * Reads {@code --profile short|long}, {@code --minutes N}, {@code --seed S}, {@code --dir D},
   * {@code --report FILE}. A seed not given is drawn, and printed by the run.
   *
   * @throws IllegalArgumentException naming the option that is wrong
   */
  public static SoakOptions parse(String... args) {
    SoakProfile profile = SoakProfile.SHORT;
    Double minutes = null;
    Long seed = null;
    Path dir = null;
    Path report = null;
    for (int i = 0; i < args.length; i++) {
      String option = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(option + " needs a value");
      }
      String value = args[++i];
      try {
        switch (option) {
          case "--profile" -> profile = SoakProfile.named(value);
          case "--minutes" -> minutes = Double.parseDouble(value);
          case "--seed" -> seed = Long.parseLong(value);
          case "--dir" -> dir = Path.of(value);
          case "--report" -> report = Path.of(value);
          default -> throw new IllegalArgumentException("unknown option " + option
              + "; the options are --profile, --minutes, --seed, --dir, --report");
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + " takes a number, not '" + value + "'");
      }
    }
    if (minutes != null) {
      if (!(minutes > 0) || minutes > 24 * 60) {
        throw new IllegalArgumentException("--minutes is more than 0 and at most a day, not " + minutes);
      }
      profile = profile.withLoad(Duration.ofMillis(Math.round(minutes * 60_000)));
    }
    return new SoakOptions(profile, seed != null ? seed : new SecureRandom().nextLong(), dir, report);
  }
}
