package io.cachet.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.Window;
import io.cachet.storage.BlobId;
import io.cachet.storage.BlobSource;
import io.cachet.storage.QuiltFile;
import io.cachet.storage.QuiltStoreResult;
import io.cachet.storage.StorageException;
import io.cachet.storage.StoreOptions;
import io.cachet.storage.quilt.QuiltPatchId;
import io.cachet.storage.walrus.WalrusBlobStore;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quilts through the SDK on a real local network (ledger, three key servers, seven storage nodes
 * and the gateway on loopback): each file of a quilt is its own envelope under its own data key,
 * opened by patch id only by those its policy allows.
 */
class QuiltClientTest {
  static final SecureRandom RANDOM = new SecureRandom();
  static final Identity ALICE = Identity.generate(RANDOM);
  static final Identity BOB = Identity.generate(RANDOM);
  static final Identity CAROL = Identity.generate(RANDOM);

  @TempDir static Path dir;
  static TestNetwork net;
  static ClientConfig config;
  static CachetClient alice;
  static PolicyId policy;

  @BeforeAll
  static void start() throws Exception {
    net = new TestNetwork(dir);
    config = net.config();
    alice = CachetClient.open(config, ALICE);
    policy = alice.createAllowList();
    alice.grant(policy, BOB.address(), Window.ALWAYS);
    net.keyServersCaughtUp();
  }

  @AfterAll
  static void stop() throws Exception {
    alice.close();
    net.close();
  }

  static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static byte[] read(CachetClient c, QuiltPatchId patch) throws Exception {
    try (InputStream in = c.open(patch)) {
      return in.readAllBytes();
    }
  }

  /** Three files on disk, in quilt order: a short note, one spanning envelope segments, an empty one. */
  static Map<String, Path> threeFiles(String prefix, Map<String, byte[]> contents) throws Exception {
    contents.put("notes.txt", "meeting at noon".getBytes());
    contents.put("photos/beach.jpg", bytes(150_000, 1));
    contents.put("empty", new byte[0]);
    Map<String, Path> files = new LinkedHashMap<>();
    for (Map.Entry<String, byte[]> e : contents.entrySet()) {
      Path f = dir.resolve(prefix + "-" + files.size());
      Files.write(f, e.getValue());
      files.put(e.getKey(), f);
    }
    return files;
  }

  @Test
  void aliceQuiltsThreeFiles_bobOpensEachByPatchId_exactly_andOnlyItsKeyIsReleased() throws Exception {
    Map<String, byte[]> contents = new LinkedHashMap<>();
    List<StoredPatch> stored = alice.putQuilt(threeFiles("three", contents), policy, 2);

    assertThat(stored).extracting(StoredPatch::identifier).containsExactlyElementsOf(contents.keySet());
    BlobId quilt = stored.get(0).quiltId();
    for (int i = 0; i < stored.size(); i++) {
      StoredPatch p = stored.get(i);
      assertThat(p.patchId()).isEqualTo(QuiltPatchId.ofPatch(quilt, i));
      assertThat(p.policyId()).isEqualTo(policy);
      assertThat(p.plaintextLength()).isEqualTo(contents.get(p.identifier()).length);
      assertThat(p.storedLength()).isGreaterThan(p.plaintextLength());
      assertThat(p.endEpoch()).isPositive();
      assertThat(p.warnings()).as("alice is not on her own allow-list").isNotEmpty();
    }
    assertThat(stored).extracting(StoredPatch::objectId).doesNotHaveDuplicates();

    try (CachetClient bob = CachetClient.open(config, BOB)) {
      StoredPatch beach = stored.get(1);
      assertThat(read(bob, beach.patchId())).isEqualTo(contents.get("photos/beach.jpg"));
      assertThat(bob.cachedKeys()).as("one patch opened, one data key released").isEqualTo(1);
      for (StoredPatch p : stored) {
        assertThat(read(bob, p.patchId())).as(p.identifier()).isEqualTo(contents.get(p.identifier()));
        EnvelopeHeader h = bob.header(p.patchId());
        assertThat(h.objectId()).isEqualTo(p.objectId());
        assertThat(h.envelopeLength()).isEqualTo(p.storedLength());
        assertThat(h.policyId()).isEqualTo(policy);
      }
      assertThat(bob.cachedKeys()).isEqualTo(3);
    }
  }

  @Test
  void carol_notGranted_isRefused() throws Exception {
    List<StoredPatch> stored = alice.putQuilt(threeFiles("carol", new LinkedHashMap<>()), policy, 1);
    try (CachetClient carol = CachetClient.open(config, CAROL)) {
      assertThatThrownBy(() -> read(carol, stored.get(0).patchId()))
          .isInstanceOfSatisfying(AccessRefusedException.class, e -> {
            assertThat(e.reason()).isEqualTo("NOT_A_MEMBER");
            assertThat(e.policy()).isEqualTo(policy);
          });
      assertThat(carol.cachedKeys()).isZero();
      // the header needs no key: anyone may see which policy guards a patch
      assertThat(carol.header(stored.get(0).patchId()).policyId()).isEqualTo(policy);
    }
  }

  @Test
  void aRevokedReader_isRefused_inANewSession() throws Exception {
    Identity dave = Identity.generate(RANDOM);
    PolicyId p = alice.createAllowList();
    alice.grant(p, dave.address(), Window.ALWAYS);
    Map<String, byte[]> contents = new LinkedHashMap<>();
    List<StoredPatch> stored = alice.putQuilt(threeFiles("revoked", contents), p, 1);
    net.keyServersCaughtUp();
    QuiltPatchId note = stored.get(0).patchId();
    try (CachetClient d = CachetClient.open(config, dave)) {
      assertThat(read(d, note)).isEqualTo(contents.get("notes.txt"));
    }
    alice.revoke(p, dave.address());
    net.allKeyServersAtHead();
    try (CachetClient fresh = CachetClient.open(config, dave)) {
      assertThatThrownBy(() -> read(fresh, note)).isInstanceOfSatisfying(AccessRefusedException.class,
          e -> assertThat(e.reason()).isEqualTo("NOT_A_MEMBER"));
    }
  }

  @Test
  void aTamperedPatchId_opensTheOtherFile_onlyIfItsOwnPolicyAllows() throws Exception {
    // One quilt holding two envelopes under different policies: Bob may open the first, not the second.
    PolicyId closed = alice.createAllowList();
    byte[] open = bytes(2_000, 5);
    byte[] secret = bytes(3_000, 6);
    BlobId openBlob = alice.put(new ByteArrayInputStream(open), open.length, policy, 1).blobId();
    BlobId secretBlob = alice.put(new ByteArrayInputStream(secret), secret.length, closed, 1).blobId();
    QuiltStoreResult mixed;
    try (WalrusBlobStore raw = WalrusBlobStore.connect(net.storage.gatewayUrl(), net.storage.gatewayUrl())) {
      mixed = raw.storeQuilt(List.of(QuiltFile.of("open", BlobSource.ofBytes(envelope(raw, openBlob))),
          QuiltFile.of("secret", BlobSource.ofBytes(envelope(raw, secretBlob)))), StoreOptions.epochs(1));
    }
    QuiltPatchId given = mixed.patches().get(0).patchId();
    QuiltPatchId tampered = QuiltPatchId.ofPatch(given.quiltId(), 1);
    try (CachetClient bob = CachetClient.open(config, BOB)) {
      assertThat(read(bob, given)).isEqualTo(open);
      assertThatThrownBy(() -> read(bob, tampered)).isInstanceOfSatisfying(AccessRefusedException.class, e -> {
        assertThat(e.reason()).isEqualTo("NOT_A_MEMBER");
        assertThat(e.policy()).isEqualTo(closed);
      });
    }
    // Within one putQuilt every file shares the policy: a tampered index opens the other file, never a mix.
    Map<String, byte[]> contents = new LinkedHashMap<>();
    List<StoredPatch> stored = alice.putQuilt(threeFiles("tamper", contents), policy, 1);
    try (CachetClient bob = CachetClient.open(config, BOB)) {
      QuiltPatchId other = QuiltPatchId.ofPatch(stored.get(0).quiltId(), 1);
      assertThat(read(bob, other)).isEqualTo(contents.get("photos/beach.jpg"));
    }
  }

  private static byte[] envelope(WalrusBlobStore raw, BlobId blob) throws Exception {
    try (InputStream in = raw.read(blob)) {
      return in.readAllBytes();
    }
  }

  @Test
  void aPatchIdOfAnotherQuilt_orPastItsEnd_isNotFound() throws Exception {
    List<StoredPatch> stored = alice.putQuilt(threeFiles("missing", new LinkedHashMap<>()), policy, 1);
    QuiltPatchId elsewhere = QuiltPatchId.ofPatch(BlobId.of(bytes(32, 9)), 0);
    QuiltPatchId pastTheEnd = QuiltPatchId.ofPatch(stored.get(0).quiltId(), 3);
    try (CachetClient bob = CachetClient.open(config, BOB)) {
      for (QuiltPatchId id : List.of(elsewhere, pastTheEnd)) {
        assertThatThrownBy(() -> read(bob, id)).as(id.toString())
            .isInstanceOfSatisfying(StorageException.class, e -> {
              assertThat(e.reason()).isEqualTo(StorageException.Reason.BLOB_NOT_FOUND);
              assertThat(e.httpStatus()).isEqualTo(404);
            });
        assertThatThrownBy(() -> bob.header(id)).isInstanceOf(StorageException.class);
      }
    }
  }

  @Test
  void badIdentifiers_areRefusedBeforeAnyFileIsRead() throws Exception {
    Path absent = dir.resolve("does-not-exist");
    for (String id : List.of("_hidden", "trailing ", "tab\there", "", "say \"hi\"")) {
      Map<String, Path> files = new LinkedHashMap<>();
      files.put("fine", absent);
      files.put(id, absent);
      assertThatThrownBy(() -> alice.putQuilt(files, policy, 1)).as("'%s'", id)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> alice.putQuilt(Map.of(), policy, 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one file");
  }

  @Test
  void headerOfABlob_byHeadAndARangedRead_isTheEnvelopesHeader() throws Exception {
    byte[] plain = bytes(200_000, 10);
    StoredObject o = alice.put(new ByteArrayInputStream(plain), plain.length, policy, 1);
    EnvelopeHeader h = alice.header(o.blobId());
    assertThat(h.objectId()).isEqualTo(o.objectId());
    assertThat(h.envelopeLength()).isEqualTo(o.storedLength());
    try (CachetClient bob = CachetClient.open(config, BOB); InputStream in = bob.open(o.blobId(), 100_000, 50)) {
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(plain, 100_000, 100_050));
    }
  }
}
