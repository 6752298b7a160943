package io.cachet.examples.grant;

import io.cachet.client.AccessRefusedException;
import io.cachet.client.CachetClient;
import io.cachet.client.ClientConfig;
import io.cachet.crypto.Requester;
import io.cachet.crypto.PolicyId;
import io.cachet.examples.Network;
import io.cachet.examples.Parties;
import io.cachet.policy.Window;
import io.cachet.storage.BlobId;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * A time-limited grant: an owner lets a contractor read a document for a while. Inside the window
 * the key servers release the key; once it closes they refuse, judged by the ledger's time, with
 * nobody having to remember to revoke.
 *
 * <p>Run: {@code java -cp ... io.cachet.examples.grant.TimeLimitedGrant [cachet-network.json] [seconds]}
 */
public final class TimeLimitedGrant {
  /** What happened, for the test to check. */
  public record Outcome(boolean readInside, String refusalAfter, Duration window) {}

  public static void main(String[] args) throws Exception {
    Duration window = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 10);
    run(Network.fromArgs(args), window, System.out);
  }

  public static Outcome run(ClientConfig network, Duration window, PrintStream out) throws Exception {
    return run(network, Parties.fromEnvironment(network), window, out);
  }

  /** As {@link #run(ClientConfig, Duration, PrintStream)} with the given parties (on an EVM chain, the owner writes). */
  public static Outcome run(ClientConfig network, Parties parties, Duration window, PrintStream out) throws Exception {
    Requester owner = parties.writer();
    Requester contractor = parties.reader();
    byte[] doc = "Floor plans, revision 7".getBytes(StandardCharsets.UTF_8);

    BlobId blob;
    Instant until;
    try (CachetClient o = Parties.open(network, owner)) {
      PolicyId policy = o.createAllowList();
      // from the current whole second: an EVM chain holds seconds and rounds a start up, which would
      // keep the contractor out until the next second
      Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      until = now.plus(window);
      o.grant(policy, contractor.address(), new Window(now.toEpochMilli(), until.toEpochMilli()));
      blob = o.put(new ByteArrayInputStream(doc), doc.length, policy, network.defaultEpochs()).blobId();
      out.println("granted the contractor until " + until + "; blob " + blob);
    }

    boolean inside;
    try (CachetClient c = Parties.open(network, contractor); InputStream in = c.open(blob)) {
      inside = new String(in.readAllBytes(), StandardCharsets.UTF_8).equals("Floor plans, revision 7");
      out.println("inside the window the contractor reads the document");
    }

    Thread.sleep(Math.max(0, Duration.between(Instant.now(), until).toMillis()));
    // a key server ends the window at the later of ledger time and its own clock, which may differ a little from ours
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (true) {
      try (CachetClient c = Parties.open(network, contractor); InputStream in = c.open(blob)) {
        in.readAllBytes();
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the grant did not end");
        }
        Thread.sleep(200);
      } catch (AccessRefusedException e) {
        out.println("after the window: " + e.getMessage());
        return new Outcome(inside, e.reason(), window);
      }
    }
  }
}
