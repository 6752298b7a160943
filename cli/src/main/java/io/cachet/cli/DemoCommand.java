package io.cachet.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.crypto.BodyIntegrityException;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.DataKey;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.Identity;
import io.cachet.crypto.KeyServerKey;
import io.cachet.crypto.Keystore;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.SealParameters;
import io.cachet.crypto.Share;
import io.cachet.crypto.WrongPassphraseException;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.crypto.protocol.FetchKeyResponse;
import io.cachet.crypto.protocol.ItemResult;
import io.cachet.crypto.protocol.SessionCertificate;
import io.cachet.crypto.protocol.ShareRelease;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code cachet demo}: the story of what Cachet can do today, told with real keys and real files.
 * Each step prints what happened; a refusal the story expects is a success, and an outcome other
 * than the expected one fails the demo (exit code 1).
 */
@Command(
    name = "demo",
    description = {
        "Seal a real file under a 2-of-3 key split and show who can open it.",
        "Generates three key servers and two identities, seals a file for Bob, opens it with every",
        "pair of key servers, and shows that one share is not enough and that tampering is refused."},
    footer = {"", "Example:", "  cachet demo", "  cachet demo --json --keep --work-dir /tmp/cachet-demo"})
final class DemoCommand implements Callable<Integer> {
  private static final int KEY_SERVERS = 3;
  private static final int THRESHOLD = 2;
  private static final String LEDGER = "cachet-demo";
  /** The demo file spans two body segments, so the tamper steps can hit either. */
  private static final int FILE_BYTES = 1_500_000;
  private static final Duration SESSION_TTL = Duration.ofMinutes(10);
  /** Where the policy id starts in an encoded header: prefix (9), ledger-id length (1), "cachet-demo" (11). */
  private static final int POLICY_ID_OFFSET = 9 + 1 + LEDGER.length();

  @Spec CommandSpec spec;

  @Option(names = "--work-dir", description = "Directory for the demo's files (default: a new temporary directory).")
  Path workDir;

  @Option(names = "--keep", description = "Keep the work directory afterwards.")
  boolean keep;

  @Option(names = "--json", description = "Print one JSON document instead of the narrated story.")
  boolean json;

  private final SecureRandom random = new SecureRandom();
  private final Clock clock = Clock.systemUTC();
  private final ObjectMapper mapper = new ObjectMapper();
  private final ArrayNode steps = mapper.createArrayNode();
  private PrintWriter out;

  @Override
  public Integer call() throws Exception {
    out = spec.commandLine().getOut();
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
      ObjectNode doc = mapper.createObjectNode();
      doc.put("ok", true);
      doc.put("workDir", dir.toString());
      doc.set("steps", steps);
      out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
    }
    return ExitCodes.OK;
  }

  private void run(Path dir) throws Exception {
    say("Cachet demo: real keys, a real file, a " + THRESHOLD + "-of-" + KEY_SERVERS + " key split.");
    say("Work directory: " + dir);

    // 1. key servers
    ObjectNode s1 = step(1, "Three key servers generate their HPKE and signing keys");
    List<DemoKeyServer> servers = new ArrayList<>();
    for (int i = 1; i <= KEY_SERVERS; i++) {
      DemoKeyServer ks = new DemoKeyServer("ks-" + i, random);
      ks.descriptor.verify();
      servers.add(ks);
      detail(s1, ks.id + ": HPKE key " + ks.descriptor.hpkePublicKey() + ", proof of possession verified");
    }

    // 2. identities
    ObjectNode s2 = step(2, "Alice and Bob create identities; Alice keeps hers in an Argon2id-encrypted keystore");
    Identity alice = Identity.generate(random);
    Identity bob = Identity.generate(random);
    char[] passphrase = "correct horse battery staple".toCharArray();
    Path keystore = dir.resolve("alice.keystore.json");
    writeDurably(keystore, Keystore.encrypt(alice, passphrase, Keystore.KdfParams.DEFAULT, random));
    Identity reopened = Keystore.decrypt(Files.readAllBytes(keystore), passphrase);
    expect(reopened.address().equals(alice.address()), "the keystore reopened to another identity");
    detail(s2, "alice " + alice.address() + " (keystore " + keystore.getFileName() + " reopened with her passphrase)");
    try {
      Keystore.decrypt(Files.readAllBytes(keystore), "wrong guess".toCharArray());
      throw new DemoExpectationFailed("a wrong passphrase opened the keystore");
    } catch (WrongPassphraseException e) {
      detail(s2, "a wrong passphrase is refused: " + e.getMessage());
    }
    detail(s2, "bob   " + bob.address());

    // 3. seal
    ObjectNode s3 = step(3, "Alice seals a file for Bob under a " + THRESHOLD + "-of-" + KEY_SERVERS + " split");
    Path plain = dir.resolve("report.txt");
    writeDurably(plain, sampleFile());
    PolicyId policy = PolicyId.random(random);
    List<KeyServerKey> keys = servers.stream().map(DemoKeyServer::sealingKey).toList();
    Path sealed = dir.resolve("report.txt.cachet");
    EnvelopeHeader header;
    try (InputStream in = Files.newInputStream(plain);
         FileChannel ch = FileChannel.open(sealed, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
             StandardOpenOption.TRUNCATE_EXISTING);
         OutputStream os = java.nio.channels.Channels.newOutputStream(ch)) {
      header = Envelope.seal(new SealParameters(LEDGER, policy, THRESHOLD, keys), in, Files.size(plain), os, random);
      ch.force(true);
    }
    detail(s3, plain.getFileName() + ": " + Files.size(plain) + " bytes -> " + sealed.getFileName() + ": "
        + Files.size(sealed) + " bytes (header " + header.encodedLength() + ")");
    detail(s3, "object " + header.objectId() + ", policy " + policy);
    detail(s3, "each key server holds one HPKE-sealed share; no single one can open the file");

    // 4. open with every pair
    ObjectNode s4 = step(4, "Bob opens it with any " + THRESHOLD + " of the " + KEY_SERVERS + " key servers");
    byte[] expected = Files.readAllBytes(plain);
    for (int a = 0; a < KEY_SERVERS; a++) {
      for (int b = a + 1; b < KEY_SERVERS; b++) {
        List<DemoKeyServer> pair = List.of(servers.get(a), servers.get(b));
        List<Share> shares = fetchShares(bob, header, pair, servers);
        byte[] opened = openFile(sealed, Envelope.recoverKey(header, shares));
        expect(MessageDigest.isEqual(opened, expected), "the opened file differs from the original");
        detail(s4, pair.get(0).id + " + " + pair.get(1).id + ": shares released, receipts verified, "
            + opened.length + " bytes match the original");
      }
    }

    // 5. one share
    ObjectNode s5 = step(5, "One key server's share is not enough");
    List<Share> one = fetchShares(bob, header, List.of(servers.get(0)), servers);
    try {
      Envelope.recoverKey(header, one);
      throw new DemoExpectationFailed("one share rebuilt the data key");
    } catch (CachetSecurityException e) {
      detail(s5, "refused (" + e.reason() + "): " + e.getMessage());
    }

    // 6. tampering
    ObjectNode s6 = step(6, "A tampered byte is refused before any plaintext is released");
    DataKey key = Envelope.recoverKey(header, fetchShares(bob, header, servers.subList(1, 3), servers));
    try {
      long bodyOffset = header.encodedLength() + 1_048_600L;
      detail(s6, refuseTampered(sealed, dir.resolve("tampered-body.cachet"), bodyOffset, key,
          "a byte in the second body segment"));
    } finally {
      key.destroy();
    }
    detail(s6, refuseTamperedHeader(header, bob, servers));
    say("");
    say("Done: sealed locally, opened only with " + THRESHOLD + " key servers, refused with fewer or when altered.");
  }

  /** Bob's side of the protocol: a session, one signed request per key server, responses verified. */
  private List<Share> fetchShares(Identity reader, EnvelopeHeader header, List<DemoKeyServer> ask,
      List<DemoKeyServer> all) throws GeneralSecurityException {
    Identity session = Identity.generate(random);
    SessionCertificate cert = SessionCertificate.issue(reader, session.verifyingKey(), clock.instant(), SESSION_TTL,
        all.stream().map(s -> s.id).toList());
    List<Share> shares = new ArrayList<>();
    for (DemoKeyServer ks : ask) {
      int index = all.indexOf(ks) + 1;
      HpkeKeyPair ephemeral = HpkeKeyPair.generate();
      FetchKeyRequest request = FetchKeyRequest.create(session, cert, ks.id, ephemeral.publicKey(),
          List.of(FetchKeyItem.of(header, index)), clock.instant(), random);
      // Through the wire format both ways, as over HTTP.
      FetchKeyRequest received = FetchKeyRequest.fromJson(request.toJson().getBytes(StandardCharsets.UTF_8));
      FetchKeyResponse response = FetchKeyResponse.fromJson(
          ks.fetch(received, clock.instant()).toJson().getBytes(StandardCharsets.UTF_8));
      ItemResult result = response.items().get(0);
      if (!result.isReleased()) {
        throw new CachetSecurityException(result.reason(), ks.id + " refused: " + result.message());
      }
      result.receipt().verify(ks.descriptor.verifyingKey(), result.releasedShare());
      shares.add(ShareRelease.open(result.releasedShare(), header.shareContext(index), request.requestId(), ephemeral));
    }
    return shares;
  }

  private static byte[] openFile(Path sealed, DataKey key) throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(sealed)) {
      EnvelopeHeader header = EnvelopeHeader.read(in);
      try (InputStream plain = Envelope.openStream(header, key, in)) {
        return plain.readAllBytes();
      }
    }
  }

  private String refuseTampered(Path sealed, Path copy, long offset, DataKey key, String what)
      throws IOException {
    byte[] bytes = Files.readAllBytes(sealed);
    bytes[(int) offset] ^= 0x01;
    writeDurably(copy, bytes);
    try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.READ)) {
      EnvelopeHeader h = EnvelopeHeader.read(java.nio.channels.Channels.newInputStream(ch.position(0)));
      Envelope.openChannel(h, key, ch).close();
      throw new DemoExpectationFailed("a file with " + what + " flipped opened");
    } catch (CachetSecurityException e) {
      return "flipped " + what + ": refused (" + e.reason() + ")";
    } catch (BodyIntegrityException e) {
      // an IOException, so it cannot share the clause above; same report
      return "flipped " + what + ": refused (" + e.reason() + ")";
    }
  }

  /** Bob presents a header whose policy id was changed: the key servers cannot unseal their shares under it. */
  private String refuseTamperedHeader(EnvelopeHeader header, Identity reader, List<DemoKeyServer> servers)
      throws GeneralSecurityException {
    byte[] bytes = header.encoded();
    bytes[POLICY_ID_OFFSET] ^= 0x01;
    EnvelopeHeader forged = EnvelopeHeader.parse(bytes);
    try {
      fetchShares(reader, forged, servers.subList(0, THRESHOLD), servers);
      throw new DemoExpectationFailed("key servers released shares for a header with another policy id");
    } catch (CachetSecurityException e) {
      return "flipped a bit of the header's policy id: the key servers refuse (" + e.reason() + ")";
    }
  }

  private static byte[] sampleFile() {
    StringBuilder sb = new StringBuilder(FILE_BYTES + 100);
    int line = 0;
    while (sb.length() < FILE_BYTES) {
      sb.append("Quarterly report, line ").append(++line).append(": only Bob may read this.\n");
    }
    return sb.substring(0, FILE_BYTES).getBytes(StandardCharsets.UTF_8);
  }

  /** Writes a file and fsyncs it before returning. */
  static void writeDurably(Path path, byte[] bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
  }

  private ObjectNode step(int n, String title) {
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
    }
  }

  private static void expect(boolean condition, String failure) {
    if (!condition) {
      throw new DemoExpectationFailed(failure);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
