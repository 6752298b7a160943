package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.common.config.Settings;
import io.cachet.common.http.ServerLimits;
import io.cachet.crypto.Identity;
import io.cachet.crypto.VerifyingKey;
import io.cachet.common.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/** Config parsing: file, environment and --set layer as documented, every valid config round-trips, anything else is a ConfigException. */
class KeyServerConfigProperties {
  private static final VerifyingKey SEQUENCER = Identity.generate(new SecureRandom()).verifyingKey();

  private static KeyServerConfig base() {
    return KeyServerConfig.defaults("ks-1", Path.of("/var/lib/cachet/ks-1"), "http://127.0.0.1:7300",
        "cachet-devnet", SEQUENCER);
  }

  private static Arbitrary<String> durations(long minMillis, long maxMillis) {
    return Arbitraries.longs().between(minMillis, maxMillis).map(ms -> ms + "ms");
  }

  @Provide
  Arbitrary<Map<String, String>> changes() {
    Map<String, Arbitrary<String>> values = new LinkedHashMap<>();
    values.put("server-id", Arbitraries.strings().withChars("abcXYZ019._:-").ofMinLength(1).ofMaxLength(64));
    values.put("host", Arbitraries.of("127.0.0.1", "0.0.0.0", "::1", "ks.example.org"));
    values.put("port", Arbitraries.integers().between(0, 65535).map(String::valueOf));
    values.put("data-dir", Arbitraries.strings().withChars("abc/_-. 9").ofMinLength(1).ofMaxLength(40)
        .map(s -> "/data/" + s.strip() + "x"));
    values.put("ledger-url", Arbitraries.of("http://127.0.0.1:7300", "https://ledger.example.org/",
        "http://[::1]:80"));
    values.put("ledger-id", Arbitraries.strings().withChars("ab-9").ofMinLength(1).ofMaxLength(20));
    values.put("staleness-bound", durations(1, 86_400_000));
    values.put("request-window", durations(1, 1_800_000));
    values.put("ledger-poll-wait", durations(1, 30_000));
    values.put("ledger-clock-tolerance", durations(0, 60_000));
    values.put("rate-limit-ip", Arbitraries.bigDecimals().between(java.math.BigDecimal.ZERO,
        java.math.BigDecimal.valueOf(100_000)).ofScale(3).map(d -> d.toPlainString()));
    values.put("rate-burst-ip", Arbitraries.integers().between(1, 1_000_000).map(String::valueOf));
    values.put("rate-limit-requester", Arbitraries.integers().between(0, 1_000_000).map(String::valueOf));
    values.put("rate-burst-requester", Arbitraries.integers().between(1, 1_000_000).map(String::valueOf));
    values.put("max-body", Arbitraries.oneOf(Arbitraries.integers().between(1024, 1 << 20).map(String::valueOf),
        Arbitraries.integers().between(1, 1024).map(k -> k + "KiB"), Arbitraries.just("1MiB")));
    values.put("max-in-flight", Arbitraries.integers().between(1, 100_000).map(String::valueOf));
    values.put("replay-cache-size", Arbitraries.integers().between(1000, 10_000_000).map(String::valueOf));
    values.put("worker-threads", Arbitraries.integers().between(1, 256).map(String::valueOf));
    values.put("passphrase-env", Arbitraries.of("CACHET_KS_PASS", "X", "_a1"));
    values.put("passphrase-file", Arbitraries.of("/run/secrets/ks", "pass.txt"));
    values.put("kdf-memory", Arbitraries.integers().between(8, 1 << 20).map(String::valueOf));
    values.put("kdf-iterations", Arbitraries.integers().between(1, 64).map(String::valueOf));
    values.put("audit-fsync", Arbitraries.of("commit", "periodic"));
    values.put("audit-fsync-interval", durations(1, 60_000));
    values.put("audit-commit-delay", durations(0, 100));
    values.put("genesis-digest", Arbitraries.bytes().array(byte[].class).ofSize(32).map(io.cachet.crypto.Hex::to0x));
    values.put("ledger-wait", durations(1, 10_000));
    values.put("request-deadline", durations(1, 60_000));
    values.put("idle-timeout", durations(1, 3_600_000));
    values.put("head-timeout", durations(1, 3_600_000));
    values.put("body-timeout", durations(1, 3_600_000));
    values.put("min-body-rate", Arbitraries.oneOf(Arbitraries.integers().between(0, 1 << 24).map(String::valueOf),
        Arbitraries.integers().between(0, 1024).map(k -> k + "KiB")));
    values.put("max-connections-per-address", Arbitraries.integers().between(1, 1_000_000).map(String::valueOf));
    values.put("max-in-flight-per-address", Arbitraries.integers().between(1, 1_000_000).map(String::valueOf));
    values.put("clock-offset", Arbitraries.longs().between(-30L * 86_400, 30L * 86_400).map(s -> s + "s"));
    List<String> keys = new ArrayList<>(values.keySet());
    return Arbitraries.subsetOf(keys).flatMap(chosen -> {
      List<Arbitrary<Map.Entry<String, String>>> entries = new ArrayList<>();
      for (String k : chosen) {
        entries.add(values.get(k).map(v -> Map.entry(k, v)));
      }
      return Combinators.combine(entries).as(list -> {
        Map<String, String> m = new LinkedHashMap<>();
        list.forEach(e -> m.put(e.getKey(), e.getValue()));
        return m;
      });
    });
  }

  @Property(tries = 300)
  void render_thenParse_givesTheSameConfig(@ForAll("changes") Map<String, String> changes) {
    KeyServerConfig c = base().with(changes);
    assertThat(KeyServerConfig.parse(c.render(), "rendered")).isEqualTo(c);
  }

  @Property(tries = 100)
  void setFlags_overrideTheEnvironment_whichOverridesTheFile(@ForAll("changes") Map<String, String> file,
      @ForAll("changes") Map<String, String> env, @ForAll("changes") Map<String, String> flags) throws Exception {
    Path conf = Files.createTempFile("ks", ".conf");
    try {
      Files.writeString(conf, base().with(file).render());
      Map<String, String> variables = new LinkedHashMap<>();
      env.forEach((k, v) -> variables.put(Settings.variable("keyserver", k), v));
      variables.put("CACHET_LEDGER_PORT", "1"); // another part's variable is not the key server's business
      List<String> sets = new ArrayList<>();
      flags.forEach((k, v) -> sets.add(k + "=" + v));

      // a relative path in the file is read from the file's directory; from a variable or flag, it stays relative
      Map<String, String> fromFile = new LinkedHashMap<>(file);
      for (String key : List.of("data-dir", "passphrase-file")) {
        String v = fromFile.get(key);
        if (v != null && !v.isEmpty() && !Path.of(v).isAbsolute()) {
          fromFile.put(key, conf.toAbsolutePath().getParent().resolve(v).normalize().toString());
        }
      }
      assertThat(KeyServerConfig.load(conf, variables, sets)).isEqualTo(base().with(fromFile).with(env).with(flags));
    } finally {
      Files.delete(conf);
    }
  }

  @Property(tries = 300)
  void arbitraryText_parsesOrFailsWithAConfigException(@ForAll @Size(max = 12) List<@Size(max = 40) String> lines,
      @ForAll("changes") Map<String, String> valid) {
    StringBuilder text = new StringBuilder(base().with(valid).render());
    lines.forEach(l -> text.append(l).append('\n'));
    try {
      KeyServerConfig.parse(text.toString(), "junk.conf");
    } catch (ConfigException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  @Property(tries = 200)
  void badValue_forAnyKey_namesTheKey(@ForAll("keyIndex") int which,
      @ForAll("junk") String value) {
    String key = KeyServerConfig.KEYS.get(which);
    try {
      base().with(key, value);
    } catch (ConfigException e) {
      assertThat(e.getMessage()).containsAnyOf(key, "must", "required", "name", "characters", "URL");
    }
  }

  /** Any key's index: every key is covered, however many there are. */
  @Provide
  Arbitrary<Integer> keyIndex() {
    return Arbitraries.integers().between(0, KeyServerConfig.KEYS.size() - 1);
  }

  @Provide
  Arbitrary<String> junk() {
    return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(20), Arbitraries.of("-1", "0", "1e9", "99999999999",
        "2x", "ms", "1.5", "NaN", "commit ", "", "http://", "5m5s"));
  }

  @Example
  void genesisDigest_isOptional_andMalformedOnesAreNamed() {
    assertThat(base().genesisDigestBytes()).isNull();
    String pin = "0x" + "ab".repeat(32);
    assertThat(base().with("genesis-digest", pin).genesisDigestBytes()).hasSize(32);
    assertThat(KeyServerConfig.parse(base().with("genesis-digest", pin).render(), "pinned").genesisDigest())
        .isEqualTo(pin);
    for (String bad : List.of("0x12", "ab".repeat(32), "0x" + "AB".repeat(32), "0x" + "zz".repeat(32))) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> base().with("genesis-digest", bad))
          .isInstanceOf(ConfigException.class).hasMessageContaining("genesis-digest");
    }
  }

  @Example
  void durations_inEveryUnit() {
    assertThat(base().with("staleness-bound", "500ms").stalenessBound()).isEqualTo(Duration.ofMillis(500));
    assertThat(base().with("staleness-bound", "30s").stalenessBound()).isEqualTo(Duration.ofSeconds(30));
    assertThat(base().with("staleness-bound", "2m").stalenessBound()).isEqualTo(Duration.ofMinutes(2));
    assertThat(base().with("staleness-bound", "1h").stalenessBound()).isEqualTo(Duration.ofHours(1));
    assertThat(base().stalenessBound()).isEqualTo(Duration.ofMinutes(2));
  }

  @Example
  void ledgerClockTolerance_defaultsToFiveSeconds_andIsBoundedByAMinute() {
    assertThat(base().ledgerClockTolerance()).isEqualTo(Duration.ofSeconds(5));
    assertThat(base().with("ledger-clock-tolerance", "0ms").ledgerClockTolerance()).isZero();
    assertThat(base().with("ledger-clock-tolerance", "1m").ledgerClockTolerance()).isEqualTo(Duration.ofMinutes(1));
    assertThatThrownBy(() -> base().with("ledger-clock-tolerance", "61s"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ledger-clock-tolerance must be 0ms to 1m");
  }

  @Example
  void requestDeadline_defaultsToTwoSeconds_isPositive_andBoundedByAMinute() {
    assertThat(base().requestDeadline()).isEqualTo(Duration.ofSeconds(2));
    assertThat(base().with("request-deadline", "40ms").requestDeadline()).isEqualTo(Duration.ofMillis(40));
    assertThat(base().with("request-deadline", "1m").requestDeadline()).isEqualTo(Duration.ofMinutes(1));
    assertThatThrownBy(() -> base().with("request-deadline", "0ms"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("request-deadline must be positive");
    assertThatThrownBy(() -> base().with("request-deadline", "61s"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("request-deadline must be at most 1m, was 61s");
  }

  @Example
  void serverLimits_fromKeys_andBadOnesNameTheKey() {
    KeyServerConfig c = base().with(Map.of("idle-timeout", "90s", "head-timeout", "5s", "body-timeout", "1m",
        "min-body-rate", "32KiB", "max-connections-per-address", "64", "max-in-flight-per-address", "8"));
    assertThat(c.limits()).isEqualTo(new ServerLimits(Duration.ofSeconds(90),
        Duration.ofSeconds(5), Duration.ofMinutes(1), 32 * 1024, 64, 8));
    assertThat(base().limits()).isEqualTo(ServerLimits.defaults());
    for (String key : List.of("idle-timeout", "head-timeout", "body-timeout")) {
      assertThatThrownBy(() -> base().with(key, "0ms")).isInstanceOf(ConfigException.class)
          .hasMessageContaining(key);
      assertThatThrownBy(() -> base().with(key, "2h")).isInstanceOf(ConfigException.class)
          .hasMessageContaining(key);
    }
    for (String key : List.of("max-connections-per-address", "max-in-flight-per-address")) {
      assertThatThrownBy(() -> base().with(key, "0")).isInstanceOf(ConfigException.class)
          .hasMessageContaining(key);
    }
  }

  @Example
  void fileErrors_nameTheLine() {
    String good = base().render();
    assertThatThrownBy(() -> KeyServerConfig.parse(good + "colour = blue\n", "ks.conf"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ks.conf line").hasMessageContaining("colour");
    assertThatThrownBy(() -> KeyServerConfig.parse(good + "port = 1\n", "ks.conf"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("given twice");
    assertThatThrownBy(() -> KeyServerConfig.parse(good + "just words\n", "ks.conf"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("expected key = value");
    assertThatThrownBy(() -> KeyServerConfig.parse("port = 1\n", "ks.conf"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("server-id must be set");
    assertThatThrownBy(() -> KeyServerConfig.parse(good.replace("port = 7400", "port = 70000"), "ks.conf"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("port must be 0..65535")
        .hasMessageContaining("ks.conf line");
    assertThatThrownBy(() -> KeyServerConfig.load(null, Map.of(), List.of("port")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("expected --set key=value");
    assertThatThrownBy(() -> KeyServerConfig.load(null, Map.of(), List.of("colour=blue")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("unknown key 'colour'");
    assertThatThrownBy(() -> KeyServerConfig.load(null, Map.of("CACHET_KEYSERVER_PROT", "1"), List.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("CACHET_KEYSERVER_PROT names no keyserver setting");
  }

  @Example
  void clockOffset_isSigned_defaultsToZero_shiftsTheClock_andIsBounded() {
    assertThat(base().clockOffset()).isZero();
    assertThat(base().with("clock-offset", "-90s").clockOffset()).isEqualTo(Duration.ofSeconds(-90));
    KeyServerConfig ahead = base().with("clock-offset", "1h");
    assertThat(KeyServerConfig.parse(ahead.render(), "rendered")).isEqualTo(ahead);
    long skew = ahead.clock().millis() - System.currentTimeMillis();
    assertThat(skew).isBetween(Duration.ofMinutes(59).toMillis(), Duration.ofMinutes(61).toMillis());
    assertThatThrownBy(() -> base().with("clock-offset", "-800h"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("clock-offset must be within");
  }
}
