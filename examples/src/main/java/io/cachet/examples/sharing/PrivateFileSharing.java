package io.cachet.examples.sharing;

import io.cachet.client.AccessRefusedException;
import io.cachet.client.CachetClient;
import io.cachet.client.ClientConfig;
import io.cachet.client.StoredObject;
import io.cachet.crypto.Requester;
import io.cachet.crypto.PolicyId;
import io.cachet.examples.Network;
import io.cachet.examples.Parties;
import io.cachet.policy.Window;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Private file sharing between two people: Alice seals a file on her machine for Bob alone. The
 * storage network holds only ciphertext; the key servers release the key to Bob and to nobody else.
 *
 * <p>Run: {@code java -cp ... io.cachet.examples.sharing.PrivateFileSharing [cachet-network.json]}
 */
public final class PrivateFileSharing {
  /** What happened, for the test to check. */
  public record Outcome(String bobRead, String eveRefusal) {}

  public static void main(String[] args) throws Exception {
    run(Network.fromArgs(args), System.out);
  }

  public static Outcome run(ClientConfig network, PrintStream out) throws Exception {
    return run(network, Parties.fromEnvironment(network), out);
  }

  /** As {@link #run(ClientConfig, PrintStream)} with the given parties (on an EVM chain, Alice writes). */
  public static Outcome run(ClientConfig network, Parties parties, PrintStream out) throws Exception {
    Requester alice = parties.writer();
    Requester bob = parties.reader();
    Requester eve = parties.reader();
    byte[] file = "Bob, the door code is 4711. Alice".getBytes(StandardCharsets.UTF_8);

    StoredObject stored;
    try (CachetClient a = Parties.open(network, alice)) {
      PolicyId onlyBob = a.createAllowList();
      a.grant(onlyBob, bob.address(), Window.ALWAYS);
      stored = a.put(new ByteArrayInputStream(file), file.length, onlyBob, network.defaultEpochs());
      out.println("Alice stored blob " + stored.blobId() + " under policy " + onlyBob);
    }

    String read;
    try (CachetClient b = Parties.open(network, bob); InputStream in = b.open(stored.blobId())) {
      read = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      out.println("Bob reads: " + read);
    }

    String refusal;
    try (CachetClient e = Parties.open(network, eve); InputStream in = e.open(stored.blobId())) {
      in.readAllBytes();
      throw new IllegalStateException("Eve read a file shared with Bob alone");
    } catch (AccessRefusedException e) {
      refusal = e.reason();
      out.println("Eve is refused: " + e.getMessage());
    }
    return new Outcome(read, refusal);
  }
}
