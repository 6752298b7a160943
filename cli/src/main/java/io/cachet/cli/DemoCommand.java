package io.cachet.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.devnet.Devnet;
import io.cachet.client.AccessRefusedException;
import io.cachet.client.CachetClient;
import io.cachet.client.ClientConfig;
import io.cachet.client.StoredObject;
import io.cachet.cli.devnet.AnvilInstall;
import io.cachet.crypto.EvmIdentity;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Requester;
import io.cachet.policy.Composite;
import io.cachet.policy.PolicyRef;
import io.cachet.policy.TokenGate;
import io.cachet.policy.evm.Anvil;
import java.math.BigInteger;
import java.time.Clock;
import java.util.List;
import org.web3j.crypto.Credentials;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Window;
import io.cachet.storage.BlobId;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cachet demo}: the whole story on a fresh devnet of real servers on loopback. Each step
 * prints what happened; a refusal the story expects is a success, and any other outcome fails the
 * demo (exit code 1). Readers act through the SDK exactly as an application would; every refusal
 * is a fresh session, so no data key cached by an earlier read can hide it.
 */
@Command(
    name = "demo",
    description = {"Tell Cachet's story on a fresh local devnet, checking each step.",
        "The devnet has a ledger, 3 key servers (any 2 open a file) and 7 storage nodes, all real servers on"
            + " loopback. Alice shares a file with Bob and, for a few seconds, with Carol; Dave is refused; Carol's"
            + " window closes; Bob is revoked; a time-locked letter opens when its time comes; a key server and two"
            + " storage nodes stop and it still works.",
        "With --chain evm the policies live on a local anvil chain, and an NFT gates a file: whoever holds it"
            + " opens, and once it moves on they cannot; an any-of policy joins a list and the gate."},
    footer = {"", "Examples:", "  cachet demo", "  cachet demo --chain evm",
        "  cachet demo --json --keep --work-dir /tmp/cachet-demo"})
final class DemoCommand implements Callable<Integer> {
  private static final int FILE_BYTES = 1_500_000;
  /** Carol's grant: long enough for her read, short enough to watch it close. */
  private static final Duration CAROL_WINDOW = Duration.ofSeconds(12);
  /**
   * Key servers judge windows and locks by the time of the newest ledger block they follow, which
   * trails the clock by up to the sequencer's heartbeat (2 s): a change shows within this bound.
   */
  private static final Duration LEDGER_LAG = Duration.ofSeconds(3);
  /** The letter's time lock opens this long after it is created. */
  private static final Duration LOCK_DELAY = Duration.ofSeconds(16);
  /**
   * On EVM each write waits for anvil's next 1 s block (the put's certificate too), so the steps
   * before Carol's read and before the letter's take longer: her window and the lock are longer.
   */
  private static final Duration EVM_CAROL_WINDOW = Duration.ofSeconds(30);
  private static final Duration EVM_LOCK_DELAY = Duration.ofSeconds(45);
  private static final int EPOCHS = 3;
  /**
   * On EVM, key servers follow anvil's 1 s blocks by polling each second, and a window's ends are
   * whole seconds: a change shows within this bound.
   */
  private static final Duration EVM_LAG = Duration.ofSeconds(8);
  /** Revocation to refusal at every key server: 2 s on the embedded ledger; on EVM, a block and a poll more. */
  private static final Duration EMBEDDED_REVOCATION = Duration.ofSeconds(2);
  private static final Duration EVM_REVOCATION = Duration.ofSeconds(6);
  /** The token id of the demo's NFT. */
  private static final long NFT_ID = 1;

  @Spec CommandSpec spec;

  @Option(names = "--work-dir", description = "Directory for the devnet and the demo's files (default: a new temporary directory).")
  Path workDir;

  @Option(names = "--keep", description = "Keep the work directory afterwards.")
  boolean keep;

  @Option(names = "--json", description = "Print one JSON document instead of the narrated story.")
  boolean json;

  @Option(names = "--chain", paramLabel = "KIND", description = "Where the policies live: embedded (the default) or"
      + " evm (a local anvil chain, installed with npm on first use).")
  String chain = "embedded";

  private boolean evm;

  // made in call(), not when picocli builds the command tree, so that '--help' loads no JSON or crypto
  private SecureRandom random;
  private ObjectNode doc;
  private ArrayNode steps;
  private PrintWriter out;

  @Override
  public Integer call() throws Exception {
    random = new SecureRandom();
    doc = Json.object();
    steps = doc.putArray("steps");
    out = spec.commandLine().getOut();
    if (!chain.equals("embedded") && !chain.equals("evm")) {
      throw new UsageException("--chain is embedded or evm, not '" + chain + "'");
    }
    evm = chain.equals("evm");
    if (evm) {
      AnvilInstall.ensure(spec.commandLine().getErr());
    }
    boolean created = workDir == null;
    Path dir = created ? Files.createTempDirectory("cachet-demo-") : Files.createDirectories(workDir);
    try {
      run(dir);
    } finally {
      if (created && !keep) {
        deleteTree(dir);
      }
    }
    if (json) {
      doc.put("ok", true);
      doc.put("workDir", dir.toString());
      Json.print(out, doc);
    }
    return ExitCodes.OK;
  }

  private void run(Path dir) throws Exception {
    say("Cachet demo: a whole network on this machine, every part a real server on loopback.");
    ObjectNode s = step("A fresh devnet starts");
    try (Devnet devnet = Devnet.start(dir.resolve("devnet"), Devnet.Options.defaults().withEvm(evm))) {
      Path networkFile = dir.resolve("devnet").resolve("cachet-network.json");
      ClientConfig config = ClientConfig.load(networkFile);
      detail(s, (evm ? "anvil (an EVM chain, 1 s blocks) with Cachet's policy contracts" : "ledger")
          + ", " + config.keyServers().size() + " key servers (any " + config.threshold() + " release a key),"
          + " 7 storage nodes (any 3 hold a blob) and the gateway");
      detail(s, "network descriptor: " + networkFile);

      s = step("Alice, Bob, Carol and Dave create identities (" + (evm ? "secp256k1 keys, Ethereum addresses,"
          : "Ed25519 keys") + " that never leave this machine)");
      Requester alice = newIdentity(devnet);
      Requester bob = newIdentity(devnet);
      Requester carol = newIdentity(devnet);
      Requester dave = newIdentity(devnet);
      if (evm) {
        detail(s, "each funded with test ether for gas from anvil's dev accounts (public test keys)");
      }
      detail(s, "alice " + alice.address());
      detail(s, "bob   " + bob.address());
      detail(s, "carol " + carol.address());
      detail(s, "dave  " + dave.address());

      // Alice keeps one session: it learned every key server's sealing key while all were up.
      try (CachetClient a = client(config, alice)) {
        story(devnet, config, a, alice, bob, carol, dave);
      }
    }
    say("");
    say("Done: sealed on the owner's machine, stored as ciphertext, opened only by whom the "
        + (evm ? "chain's policy contracts" : "ledger") + " allowed, when it allowed.");
  }

  /** A new identity of the devnet's kind; on EVM bound to its chain and funded for gas. */
  private Requester newIdentity(Devnet devnet) throws Exception {
    if (!evm) {
      return Identity.generate(random);
    }
    EvmIdentity key = EvmIdentity.generate(random);
    devnet.fundEvm(key.address());
    return key;
  }

  /** A fresh client session as {@code who}, on the devnet's chain. */
  private static CachetClient client(ClientConfig config, Requester who) {
    return CachetClient.openAs(config, who, Clock.systemUTC(), null);
  }

  private void story(Devnet devnet, ClientConfig config, CachetClient a, Requester alice, Requester bob,
      Requester carol, Requester dave) throws Exception {
    ObjectNode s;
    byte[] report = sampleFile();
    PolicyId policy;
    BlobId reportBlob;
    PolicyId lock;
    Instant unlockAt;
    Instant carolUntil;
    BlobId letterBlob;
    byte[] letter = "Dear future reader: this letter could not be opened before its time.\n"
        .getBytes(StandardCharsets.UTF_8);
    s = step("Alice creates an allow-list on " + (evm ? "the chain" : "the ledger") + ": Bob always, Carol for "
        + (evm ? EVM_CAROL_WINDOW : CAROL_WINDOW).toSeconds() + " s");
    policy = a.createAllowList();
    a.grant(policy, bob.address(), Window.ALWAYS);
    Instant now = Instant.now();
    carolUntil = now.plus(evm ? EVM_CAROL_WINDOW : CAROL_WINDOW);
    a.grant(policy, carol.address(), new Window(now.toEpochMilli(), carolUntil.toEpochMilli()));
    detail(s, "policy " + policy);
    detail(s, "carol's window closes at " + carolUntil);

    s = step("Alice seals a report on her machine and stores only ciphertext on the storage network");
    StoredObject stored = a.put(new ByteArrayInputStream(report), report.length, policy, EPOCHS);
    reportBlob = stored.blobId();
    detail(s, report.length + " bytes sealed; blob " + reportBlob + " certified by the storage nodes");
    detail(s, "its data key is split " + config.threshold() + "-of-" + config.keyServers().size()
        + ": the blob's header carries one share for each key server, sealed to that server's key");

    s = step("Alice also seals a letter under a time lock");
    unlockAt = Instant.now().plus(evm ? EVM_LOCK_DELAY : LOCK_DELAY);
    lock = a.createTimeLock(unlockAt);
    letterBlob = a.put(new ByteArrayInputStream(letter), letter.length, lock, EPOCHS).blobId();
    detail(s, "time lock " + lock + " opens at " + unlockAt + "; blob " + letterBlob);

    s = step("Bob opens the report");
    detail(s, opens(config, bob, reportBlob, report, "bob"));

    s = step("Carol opens it inside her window");
    // on EVM her window starts at the next whole second of block time, which may be a block away
    detail(s, evm ? opensWithin(config, carol, reportBlob, report, "carol", EVM_LAG)
        : opens(config, carol, reportBlob, report, "carol"));

    s = step("Dave is not on the list: he asks the key servers anyway");
    detail(s, refused(config, dave, reportBlob, "dave"));

    s = step("Carol's window closes");
    sleepUntil(carolUntil);
    detail(s, refusedWithin(config, carol, reportBlob, "carol, after her window", evm ? EVM_LAG : LEDGER_LAG));

    s = step("Alice revokes Bob; he asks again from the next block on");
    a.revoke(policy, bob.address());
    long revokedAt = System.nanoTime();
    String refusal = refusedWithin(config, bob, reportBlob, "bob", evm ? EVM_REVOCATION : EMBEDDED_REVOCATION);
    detail(s, refusal + " (" + (System.nanoTime() - revokedAt) / 1_000_000 + " ms after the revocation committed)");

    boolean early = Instant.now().isBefore(unlockAt.minusMillis(300));
    s = step("The time-locked letter: " + (early ? "refused before its time, open after" : "open once its time came"));
    if (early) {
      detail(s, refused(config, dave, letterBlob, "dave, before " + unlockAt));
    }
    sleepUntil(unlockAt);
    detail(s, opensWithin(config, dave, letterBlob, letter, "dave, after " + unlockAt, evm ? EVM_LAG : LEDGER_LAG));

    if (evm) {
      tokenGate(devnet, config, a, carol, dave);
    }

    s = step("A key server and two storage nodes stop; everything still works");
    devnet.stop("ks-3");
    devnet.stop("node-0");
    devnet.stop("node-1");
    detail(s, "stopped ks-3, node-0 and node-1");
    detail(s, opens(config, dave, letterBlob, letter, "dave, the letter, with 2 key servers and 5 nodes"));
    byte[] postscript = "P.S. stored while two storage nodes were down.\n".getBytes(StandardCharsets.UTF_8);
    BlobId ps = a.put(new ByteArrayInputStream(postscript), postscript.length, lock, EPOCHS).blobId();
    detail(s, "alice stored a postscript with 2 nodes down: blob " + ps);
    detail(s, opens(config, dave, ps, postscript, "dave, the postscript"));
  }

  /**
   * EVM only: an NFT gates a newsletter. Dave holds none and is refused; minted one, he opens;
   * once he passes it to Carol, she opens and he is refused. An any-of policy over the report's
   * allow-list and the gate lets the holder in and nobody else.
   */
  private void tokenGate(Devnet devnet, ClientConfig config, CachetClient a, Requester carol, Requester dave)
      throws Exception {
    // the NFT's issuer: anvil's dev account 3, a public test key
    Credentials issuer = Credentials.create(Anvil.DEV_KEYS.get(3));
    try (DemoNft nft = DemoNft.deploy(devnet.evmRpcUrl(), config.chain().chainId(), issuer)) {
      ObjectNode s = step("An NFT gates a newsletter: whoever holds it may read");
      PolicyId gate = a.policies().createTokenGate(TokenGate.Standard.ERC721, nft.address(), BigInteger.ONE);
      byte[] news = "Members' newsletter: for whoever holds the NFT.\n".getBytes(StandardCharsets.UTF_8);
      BlobId newsBlob = a.put(new ByteArrayInputStream(news), news.length, gate, EPOCHS).blobId();
      detail(s, "NFT contract " + nft.address() + "; token gate " + gate + "; blob " + newsBlob);
      detail(s, refused(config, dave, newsBlob, "dave, holding no NFT"));

      s = step("Dave is minted the NFT: he can open the newsletter");
      nft.mint(issuer, dave.address(), NFT_ID);
      detail(s, opensWithin(config, dave, newsBlob, news, "dave, holding the NFT", EVM_LAG));

      s = step("Dave passes the NFT to Carol: she can open it, he no longer can");
      nft.transfer(((EvmIdentity) dave).credentials(), carol.address(), NFT_ID);
      detail(s, refusedWithin(config, dave, newsBlob, "dave, after passing it on", EVM_LAG));
      detail(s, opensWithin(config, carol, newsBlob, news, "carol, holding the NFT", EVM_LAG));

      s = step("Any of two policies: an allow-list or the NFT");
      PolicyId list = a.createAllowList();
      PolicyId either = a.policies().createComposite(Composite.Mode.ANY_OF, List.of(
          new PolicyRef(a.policies().envelopeLedgerId(), list), new PolicyRef(a.policies().envelopeLedgerId(), gate)));
      byte[] minutes = "Minutes: for the list's members, or whoever holds the NFT.\n".getBytes(StandardCharsets.UTF_8);
      BlobId minutesBlob = a.put(new ByteArrayInputStream(minutes), minutes.length, either, EPOCHS).blobId();
      detail(s, "any-of " + either + " over an empty allow-list and the token gate; blob " + minutesBlob);
      detail(s, opensWithin(config, carol, minutesBlob, minutes, "carol, through the NFT", EVM_LAG));
      detail(s, refused(config, dave, minutesBlob, "dave, neither listed nor holding"));
      a.grant(list, dave.address(), Window.ALWAYS);
      detail(s, opensWithin(config, dave, minutesBlob, minutes, "dave, once listed", EVM_LAG));
    }
  }

  private String opens(ClientConfig config, Requester reader, BlobId blob, byte[] expected, String who) throws Exception {
    try (CachetClient c = client(config, reader); InputStream in = c.open(blob)) {
      byte[] got = in.readAllBytes();
      expect(MessageDigest.isEqual(got, expected), who + ": the opened bytes differ from the original");
      return who + ": opened, " + got.length + " bytes identical to the original";
    } catch (AccessRefusedException e) {
      throw new DemoExpectationFailed(who + " was refused but should have been allowed: " + e.getMessage(), e);
    }
  }

  private String refused(ClientConfig config, Requester reader, BlobId blob, String who) throws Exception {
    try (CachetClient c = client(config, reader); InputStream in = c.open(blob)) {
      in.readAllBytes();
      throw new DemoExpectationFailed(who + " opened a blob the policy should have refused");
    } catch (AccessRefusedException e) {
      return refusal(who, e);
    }
  }

  /** What the key servers did, and only that: "dave: refused by ks-1 and ks-2 (NOT_A_MEMBER); ks-3 not needed". */
  private static String refusal(String who, AccessRefusedException e) {
    return who + ": " + RefusalReport.summary(e.outcomes());
  }

  /** Asks again (each time a fresh session) until refused; fails if still allowed after {@code limit}. */
  private String refusedWithin(ClientConfig config, Requester reader, BlobId blob, String who, Duration limit)
      throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      try (CachetClient c = client(config, reader); InputStream in = c.open(blob)) {
        in.readAllBytes();
        if (System.nanoTime() > deadline) {
          throw new DemoExpectationFailed(who + ": still allowed " + limit.toMillis() + " ms later");
        }
        Thread.sleep(100);
      } catch (AccessRefusedException e) {
        return refusal(who, e);
      }
    }
  }

  /** Asks again until allowed; fails if still refused after {@code limit}. */
  private String opensWithin(ClientConfig config, Requester reader, BlobId blob, byte[] expected, String who,
      Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      try {
        return opens(config, reader, blob, expected, who);
      } catch (DemoExpectationFailed e) {
        if (System.nanoTime() > deadline || !(e.getCause() instanceof AccessRefusedException)) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  private static void sleepUntil(Instant t) throws InterruptedException {
    long ms = Duration.between(Instant.now(), t).toMillis();
    if (ms > 0) {
      Thread.sleep(ms);
    }
  }

  private static void expect(boolean ok, String failure) {
    if (!ok) {
      throw new DemoExpectationFailed(failure);
    }
  }

  private ObjectNode step(String title) {
    int n = steps.size() + 1;
    say("");
    say(n + ". " + title);
    ObjectNode s = steps.addObject();
    s.put("step", n);
    s.put("title", title);
    s.putArray("details");
    return s;
  }

  private void detail(ObjectNode step, String text) {
    say("   " + text);
    ((ArrayNode) step.get("details")).add(text);
  }

  private void say(String line) {
    if (!json) {
      out.println(line);
      out.flush();
    }
  }

  private static byte[] sampleFile() {
    StringBuilder sb = new StringBuilder(FILE_BYTES + 100);
    int line = 0;
    while (sb.length() < FILE_BYTES) {
      sb.append("Quarterly report, line ").append(++line).append(": for Bob, and for Carol while her grant lasts.\n");
    }
    return sb.substring(0, FILE_BYTES).getBytes(StandardCharsets.UTF_8);
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
