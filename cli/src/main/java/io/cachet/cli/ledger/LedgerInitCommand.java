package io.cachet.cli.ledger;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.cli.PassphraseOptions;
import io.cachet.cli.UsageException;
import io.cachet.common.io.DurableFiles;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Keystore;
import io.cachet.crypto.Names;
import io.cachet.policy.Sequencer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cachet ledger init}: makes a new ledger's sequencer identity (a keystore, 0600, in a
 * 0700 data directory) and cuts the ledger's genesis block, then prints what key servers and
 * clients are configured with: the ledger id, the sequencer's key and the genesis digest. The
 * genesis is cut here, not at the first {@code serve}, so the digest is known before any key server
 * is configured. Never overwrites a keystore or a ledger.
 */
@Command(
    name = "init",
    description = {"Make a new ledger's sequencer keystore and genesis block.",
        "Prints the ledger id, sequencer key and genesis digest that key servers and clients are configured with."},
    footer = {"", "Exit codes: 0 made, 2 a keystore or ledger is there already,",
        "4 a file could not be written.",
        "", "Example:", "  cachet ledger init --data-dir /srv/cachet/ledger --ledger-id main \\",
        "      --passphrase-file /etc/cachet/ledger.pass"})
final class LedgerInitCommand implements Callable<Integer> {
  /** The genesis block's heartbeat is never used: init cuts genesis and closes at once. */
  private static final Duration INIT_HEARTBEAT = Duration.ofSeconds(1);

  @Spec CommandSpec spec;

  @Option(names = "--data-dir", required = true, paramLabel = "DIR",
      description = "The ledger's data directory (made 0700 if missing): its journal, and by default its keystore.")
  Path dataDir;

  @Option(names = "--ledger-id", required = true, paramLabel = "ID", description = "The new ledger's id.")
  String ledgerId;

  @Option(names = "--keystore", paramLabel = "FILE",
      description = "Where to write the sequencer's keystore (default: DIR/sequencer.json).")
  Path keystore;

  @Mixin PassphraseOptions passphrase;

  @Option(names = "--json", description = "Print JSON: ledgerId, sequencerKey, sequencerAddress, genesisDigest, keystore.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    try {
      Names.check(ledgerId, "--ledger-id");
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    Path file = keystore != null ? keystore : dataDir.resolve("sequencer.json");
    if (Files.exists(file)) {
      throw new UsageException("KEYSTORE_EXISTS", file + " exists already; init never overwrites a keystore",
          "Start the ledger with it ('cachet ledger serve'), or give another --keystore.");
    }
    if (Files.exists(dataDir.resolve(Sequencer.JOURNAL_FILE))) {
      throw new UsageException("LEDGER_EXISTS", dataDir + " holds a ledger already (" + Sequencer.JOURNAL_FILE + ")",
          "Give an empty --data-dir for a new ledger.");
    }
    DurableFiles.privateDirectory(dataDir);
    Identity id = Identity.generate(new SecureRandom());
    Map<String, String> made = new LinkedHashMap<>();
    try {
      char[] pass = passphrase.read("the new sequencer keystore", true);
      try {
        DurableFiles.create(file, Keystore.encrypt(id, pass, Keystore.KdfParams.DEFAULT, new SecureRandom()), true);
      } finally {
        Arrays.fill(pass, '\0');
      }
      try (Sequencer genesis = Sequencer.open(new Sequencer.Config(dataDir, ledgerId, INIT_HEARTBEAT,
          Clock.systemUTC()), id)) {
        made.put("ledger-id", ledgerId);
        made.put("sequencer-key", id.verifyingKey().toString());
        made.put("sequencer-address", id.address().toString());
        made.put("genesis-digest", genesis.ledger().genesisHex());
        made.put("sequencer-keystore", file.toString());
      }
    } finally {
      id.destroy();
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode doc = Json.object();
      doc.put("ledgerId", made.get("ledger-id"));
      doc.put("sequencerKey", made.get("sequencer-key"));
      doc.put("sequencerAddress", made.get("sequencer-address"));
      doc.put("genesisDigest", made.get("genesis-digest"));
      doc.put("keystore", made.get("sequencer-keystore"));
      Json.print(out, doc);
    } else {
      out.println("# the new ledger; key servers take ledger-id, sequencer-key and genesis-digest as they are");
      made.forEach((k, v) -> out.println(k + " = " + v));
    }
    out.flush();
    return ExitCodes.OK;
  }
}
