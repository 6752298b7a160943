package io.cachet.cli.serve;

import io.cachet.crypto.Identity;
import io.cachet.crypto.VerifyingKey;
import io.cachet.policy.Operation;
import io.cachet.policy.Sequencer;
import io.cachet.policy.Transaction;
import io.cachet.storage.network.NetworkConfig;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Keeps a ledger's storage committee the storage network's: the nodes whose confirmations count
 * for an availability certificate, and how many make one (2f + 1). The ledger refuses certificates
 * from anyone else, so a ledger whose committee is not its network's would refuse every upload.
 */
public final class StorageCommittee {
  /** Longest the committee's transaction may take to commit before the start is given up. */
  static final long COMMIT_TIMEOUT_SECONDS = 30;

  private StorageCommittee() {}

  /**
   * Reads a storage network's {@code network.json}.
   *
   * @throws IllegalArgumentException if it is not a network description (the caller names the key)
   * @throws IOException if it cannot be read
   */
  static NetworkConfig read(Path file) throws IOException {
    try {
      return NetworkConfig.fromJson(new JsonObject(Files.readString(file, StandardCharsets.UTF_8)));
    } catch (DecodeException | ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("is not a storage network's network.json (" + e.getClass().getSimpleName()
          + ")", e);
    }
  }

  /**
   * Records {@code network}'s committee on the ledger, signed by the sequencer's identity (the
   * ledger's operator), unless the ledger's committee is that already (the journal keeps it
   * across restarts).
   *
   * @return true if a transaction was committed
   */
  public static boolean ensure(Sequencer sequencer, Identity operator, NetworkConfig network) throws IOException {
    List<Operation.CommitteeMember> members = network.nodes().stream()
        .map(n -> new Operation.CommitteeMember(n.id(), VerifyingKey.of(n.publicKey()))).toList();
    Operation.SetStorageCommittee wanted = new Operation.SetStorageCommittee(members, network.quorum());
    if (wanted.equals(sequencer.state().committee())) {
      return false;
    }
    long nonce = sequencer.state().nextNonce(operator.address());
    try {
      sequencer.submit(Transaction.sign(operator, sequencer.ledger(), nonce, wanted))
          .get(COMMIT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while recording the storage committee", e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IOException("the ledger did not record the storage committee: " + cause.getMessage(), cause);
    }
  }
}
