package io.cachet.cli.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.cli.CommandRun;
import io.cachet.cli.ExitCodes;
import io.cachet.crypto.Identity;
import io.cachet.policy.LedgerHistoryMissingException;
import io.cachet.policy.Sequencer;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cachet ledger recover} on a real sequencer's directory. */
class LedgerRecoverCommandTest {
  private static final String LEDGER = "cachet-test";
  private final Identity sequencerKey = Identity.generate(new SecureRandom());

  @TempDir Path dir;

  private void makeLedger() throws Exception {
    try (Sequencer s = Sequencer.open(new Sequencer.Config(dir, LEDGER, Duration.ofHours(1), Clock.systemUTC()),
        sequencerKey)) {
      s.awaitHeight(0).get();
    }
  }

  @Test
  void recover_nothingMissing_exitsOkAndSaysSo() throws Exception {
    makeLedger();
    CommandRun r = CommandRun.of("ledger", "recover", "--data", dir.toString(), "--ledger", LEDGER, "--sequencer-key",
        sequencerKey.verifyingKey().toString(), "--from", "http://127.0.0.1:9");
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("nothing to recover");
  }

  @Test
  void recover_blocksLostAndNoFollowerReachable_failsAndAppendsNothing() throws Exception {
    makeLedger();
    try (RandomAccessFile f = new RandomAccessFile(dir.resolve(Sequencer.JOURNAL_FILE).toFile(), "rw")) {
      f.setLength(f.length() - 10);
    }
    CommandRun r = CommandRun.of("ledger", "recover", "--data", dir.toString(), "--ledger", LEDGER, "--sequencer-key",
        sequencerKey.verifyingKey().toString(), "--from", "http://127.0.0.1:9");
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.FAILED);
    assertThat(r.err()).contains("could not be recovered").contains("nothing appended");
    try {
      Sequencer.open(new Sequencer.Config(dir, LEDGER, Duration.ofHours(1), Clock.systemUTC()), sequencerKey).close();
      throw new AssertionError("the sequencer started below its signed height");
    } catch (LedgerHistoryMissingException expected) {
      assertThat(expected.signedHeight()).isZero();
    }
  }

  @Test
  void recover_aSequencerKeyThatStartsWithADash_isTakenAsTheKey() throws Exception {
    // one key in 64 starts with '-', which a parser takes for an option unless told otherwise
    Identity dashed = sequencerKey;
    while (!dashed.verifyingKey().toString().startsWith("-")) {
      dashed = Identity.generate(new SecureRandom());
    }
    try (Sequencer s = Sequencer.open(new Sequencer.Config(dir, LEDGER, Duration.ofHours(1), Clock.systemUTC()), dashed)) {
      s.awaitHeight(0).get();
    }
    CommandRun r = CommandRun.of("ledger", "recover", "--data", dir.toString(), "--ledger", LEDGER, "--sequencer-key",
        dashed.verifyingKey().toString(), "--from", "http://127.0.0.1:9");
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("nothing to recover");
  }

  @Test
  void recover_badSequencerKey_isAUsageError() {
    CommandRun r = CommandRun.of("ledger", "recover", "--data", dir.toString(), "--ledger", LEDGER, "--sequencer-key", "nope",
        "--from", "http://127.0.0.1:9");
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
  }
}
