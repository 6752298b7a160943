package io.cachet.cli.blob;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.Connection;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Ids;
import io.cachet.cli.InputFile;
import io.cachet.cli.Invocation;
import io.cachet.cli.Json;
import io.cachet.cli.PartsListening;
import io.cachet.cli.Plain;
import io.cachet.cli.Progress;
import io.cachet.cli.UsageException;
import io.cachet.cli.agent.InAgent;
import io.cachet.client.CachetClient;
import io.cachet.client.ClientConfig;
import io.cachet.client.SealWarning;
import io.cachet.client.StoredObject;
import io.cachet.crypto.Address;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.PolicyRef;
import io.cachet.storage.network.EpochSchedule;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code cachet put}: seal here, store the ciphertext. A policy the ledger does not have is refused
 * before anything is sealed (exit 2, {@code UNKNOWN_POLICY}); a putter who cannot open what they
 * seal is warned (stderr, and {@code warnings} in {@code --json}) and the put goes on.
 */
@Command(name = "put", description = {"Seal FILE here and store the ciphertext on the storage network.",
    "Prints the blob id; 'cachet share BLOB_ID' prints what a reader needs. A policy the ledger does not have is"
        + " refused before anything is sealed; if you could not open the file yourself (not on your own allow-list,"
        + " a time lock still closed), you are warned."},
    footer = {"", "Examples:", "  cachet put report.pdf --policy 0x5e1f...", "  cachet put video.mp4 --policy 0x5e1f... --epochs 20 --json",
        "  cachet put - --size 1048576 --name backup.bin --policy 0x5e1f... < backup.bin",
        "  # under a policy of an app's own policy contract (EVM chains):",
        "  cachet put report.pdf --contract 0x9fE4... --policy 0x77aa..."})
public final class PutCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Connection connection;
  @Mixin Progress progress;

  /** What FILE is to read standard input instead of a file. */
  static final String STDIN = "-";
  /** The name the local index records for standard input when {@code --name} is not given. */
  static final String STDIN_NAME = "stdin";
  /** Reason code of {@code -} without {@code --size}, or {@code --size} with a file. */
  static final String SIZE_REQUIRED = "SIZE_REQUIRED";

  @Parameters(paramLabel = "FILE", description = "The file to seal and store; - for standard input (with --size).")
  String file;

  @Option(names = "--size", paramLabel = "N",
      description = "With FILE -: how many bytes standard input carries (required: the envelope and the storage network"
          + " need the size first). An input shorter or longer fails, and nothing is recorded.")
  Long declaredSize;

  @Option(names = "--name", paramLabel = "NAME",
      description = "The name the local index records (default: FILE's name; for -: " + STDIN_NAME + ").")
  String name;

  @Option(names = "--policy", required = true, paramLabel = "ID", description = "The policy that decides who may open it.")
  String policy;

  @Option(names = "--contract", paramLabel = "ADDR",
      description = "An app's own policy contract on the network's EVM chain that holds POLICY (default: the stock one).")
  String contract;

  @Option(names = "--epochs", paramLabel = "N", description = "How many storage epochs to keep it (default: the network's).")
  Integer epochs;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    boolean fromStdin = file.equals(STDIN);
    Path path = fromStdin ? null : Invocation.current().resolve(file);
    if (fromStdin && declaredSize == null) {
      throw new UsageException(SIZE_REQUIRED, "put - reads standard input and needs its size first",
          "Give it with --size N (the number of bytes the input carries).");
    }
    if (fromStdin && declaredSize < 0) {
      throw new UsageException("--size must be 0 or more");
    }
    if (!fromStdin && declaredSize != null) {
      throw new UsageException(SIZE_REQUIRED, "--size is only for FILE - (standard input): a file's size is its own",
          "Leave out --size.");
    }
    if (!fromStdin) {
      InputFile.regular(path, "the file to put", "Put seals one file: to store a directory,"
          + " archive it first (tar -czf DIR.tgz DIR) and put the archive.");
    }
    if (epochs != null && epochs < 1) {
      throw new UsageException("--epochs must be at least 1");
    }
    PolicyId policyId = Ids.policy(policy);
    CipherWarmup.start();
    long size = fromStdin ? declaredSize : Files.size(path);
    String recorded = name != null ? name : fromStdin ? STDIN_NAME : path.getFileName().toString();
    ClientConfig config = connection.config();
    PolicyRef under = contract == null ? null : new PolicyRef(contractLedgerId(config), policyId);
    StoredObject stored;
    String who = connection.identityName();
    String address;
    PartsListening.require(config.chainUrl(), config.publisher());
    ExactLengthInput exact = null;
    try (CachetClient client = connection.connect(config);
         InputStream source = fromStdin ? (exact = new ExactLengthInput(Invocation.current().in(), size))
             : Files.newInputStream(path);
         InputStream in = progress.wrap(source, "put", size, json)) {
      int keep = epochs == null ? config.defaultEpochs() : epochs;
      stored = under == null ? client.put(in, size, policyId, keep) : client.put(in, size, under, keep);
      address = client.address().toString();
    } catch (IOException e) {
      if (exact != null && exact.mismatch() != null) {
        // the sealer stopped at the input's wrong length, and the upload with it: nothing was stored or recorded
        throw new UsageException(ExactLengthInput.SIZE_MISMATCH, exact.mismatch(),
            "Give --size the exact number of bytes standard input carries.");
      }
      throw e;
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String ledgerId = under == null ? config.ledgerId() : under.ledgerId();
    BlobEntry entry = new BlobEntry(stored.blobId().toString(), stored.objectId().toString(),
        recorded, size, stored.storedLength(), policyId.toString(), ledgerId, config.ledgerId(),
        config.aggregator().toString(), config.keyServers().stream().map(ClientConfig.KeyServer::id).toList(),
        config.threshold(), Instant.now(), stored.endEpoch(), true, who, address);
    // a caller that hung up (Ctrl-C on an agent's command) did not see the put succeed
    InAgent.stopIfCallerLeft();
    try {
      new BlobIndex(connection.home.dir()).record(entry);
    } catch (IOException e) {
      // the blob is stored; only the local listing misses it, which is no reason to fail the put
      err.println("cachet: warning: stored, but the local index (for 'cachet ls') could not be written: "
          + e.getClass().getSimpleName());
    }
    EpochSchedule schedule;
    try (NetworkReads reads = new NetworkReads(config)) {
      schedule = reads.epochs().orElse(null);
    }
    for (SealWarning w : stored.warnings()) {
      err.println("cachet: warning: " + w.message() + hint(w));
    }
    if (json) {
      ObjectNode o = Json.object();
      o.put("blobId", stored.blobId().toString());
      o.put("objectId", stored.objectId().toString());
      o.put("policyId", policyId.toString());
      if (under != null) {
        o.put("ledgerId", under.ledgerId());
      }
      o.put("size", size);
      o.put("storedSize", stored.storedLength());
      BlobWords.lifetimeJson(o, stored.endEpoch(), schedule);
      ArrayNode warnings = o.putArray("warnings");
      for (SealWarning w : stored.warnings()) {
        warnings.addObject().put("reason", w.reason()).put("message", w.message());
      }
      Json.print(out, o);
    } else {
      out.println(stored.blobId());
      err.println("sealed " + Plain.size(size) + " under " + policyId + ", " + Plain.lifetime(stored.endEpoch(),
          schedule, Instant.now()) + "; a reader needs: cachet share " + stored.blobId());
    }
    return ExitCodes.OK;
  }

  /** The ledger id {@code --contract} names: the contract on the network's EVM chain; a usage error elsewhere. */
  private String contractLedgerId(ClientConfig config) {
    Address address;
    try {
      address = Address.parse(contract.trim());
    } catch (FormatException e) {
      throw new UsageException("--contract: '" + contract + "' is not an EVM address (0x and 40 hex digits): "
          + e.getMessage());
    }
    if (!address.isEvm()) {
      throw new UsageException("--contract: '" + contract + "' is not an EVM address (0x and 40 hex digits)");
    }
    if (!config.chain().isEvm()) {
      throw new UsageException("--contract names a policy contract on an EVM chain, and this network's policies live"
          + " on the embedded ledger '" + config.ledgerId() + "': leave --contract out, or use an EVM network"
          + " ('cachet devnet up --chain evm')");
    }
    return new EvmLedgerId(config.chain().chainId(), address).toString();
  }

  /** What the putter can do about a warning, when it is theirs to fix (a time lock is not). */
  private String hint(SealWarning w) throws IOException {
    return switch (w.reason()) {
      case "NOT_A_MEMBER", "EXPIRED", "NOT_YET_VALID" -> "; to read it yourself now: cachet policy grant " + policy + " "
          + connection.identityName();
      default -> "";
    };
  }
}
