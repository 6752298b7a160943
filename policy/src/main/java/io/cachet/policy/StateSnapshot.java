package io.cachet.policy;

import io.cachet.common.io.DurableFiles;
import io.cachet.crypto.Address;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.VerifyingKey;
import io.cachet.crypto.codec.CanonicalReader;
import io.cachet.crypto.codec.CanonicalWriter;
import io.cachet.policy.Operation.NodeSignature;
import io.cachet.policy.Operation.SetStorageCommittee;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * A follower's state on disk as of one block, so a restart resumes from it instead of applying
 * every block since genesis. It holds the block it was taken at (exactly as the sequencer signed
 * it) and every policy, nonce, certificate and the storage committee.
 *
 * <p>Format (docs/FORMAT.md, "Follower state snapshot"), big-endian:
 *
 * <pre>
 *   file := "CSNP" u8:version(=1) u8[3]:reserved(=0) u64:bodyLength body u32:crc32c(everything before)
 *   body := canonical encoding, tag "cachet/state-snapshot/v1": the genesis block's hash (32
 *           bytes), the head block (u32 length and the bytes as signed), nonces, policies, certificates and the committee, each list sorted by its key
 * </pre>
 *
 * <p>Guarantees: {@link #read} returns a snapshot only if the magic, version, length and CRC all
 * check and the body decodes completely; anything else is refused with an exception naming the
 * problem (a version other than 1 is named as such), and the caller rebuilds from blocks. Writes
 * go through {@link DurableFiles#write}, so a crash leaves the old snapshot or the new one, 0600.
 * The snapshot is only as trustworthy as the directory it lives in: it is a cache of state the
 * follower computed from verified blocks, and the follower checks its head block against its own
 * block store (and the head's signature) before using it.
 */
final class StateSnapshot {
  /** The snapshot's file name inside the follower's store directory. */
  static final String FILE_NAME = "state.snapshot";

  /** The only format version this class reads and writes. */
  static final int FORMAT_VERSION = 1;

  /** Largest snapshot read back, so a damaged length cannot make us allocate without bound. */
  static final long MAX_BYTES = Integer.MAX_VALUE - 64;

  private static final byte[] MAGIC = "CSNP".getBytes(StandardCharsets.US_ASCII);
  private static final String TAG = "cachet/state-snapshot/v1";
  private static final int KIND_ALLOW_LIST = 1;
  private static final int KIND_TIME_LOCK = 2;

  /**
   * A snapshot as read: the hash of the ledger's genesis block (which names the ledger), the
   * block it was taken at and the state as of that block.
   */
  record Loaded(byte[] genesisHash, Block head, LedgerState.Contents contents) {}

  private StateSnapshot() {}

  /**
   * Writes the state as of {@code head} durably into {@code dir}. Call it from the only thread that
   * applies. {@code genesisHash} is the hash of the ledger's genesis block.
   */
  static void write(Path dir, byte[] genesisHash, Block head, LedgerState state) throws IOException {
    CanonicalWriter w = CanonicalWriter.tagged(TAG).fixed(genesisHash).u32(head.encoded().length)
        .fixed(head.encoded());
    Map<Address, Long> nonces = state.nonces();
    List<Address> senders = new ArrayList<>(nonces.keySet());
    senders.sort(Comparator.comparing(Address::toString));
    w.u32(senders.size());
    for (Address a : senders) {
      w.fixed(a.bytes()).u64(nonces.get(a));
    }
    List<Policy> policies = new ArrayList<>(state.policies().values());
    policies.sort(Comparator.comparing(p -> p.id().toString()));
    w.u32(policies.size());
    for (Policy p : policies) {
      writePolicy(w, p);
    }
    List<LedgerState.Certificate> certificates = new ArrayList<>(state.certificates().values());
    certificates.sort(Comparator.comparing(LedgerState.Certificate::blobId));
    w.u32(certificates.size());
    for (LedgerState.Certificate c : certificates) {
      w.string8(c.blobId()).u64(c.size()).u64(c.endEpoch()).u64(c.recordedAt()).u8(c.signatures().size());
      for (NodeSignature s : c.signatures()) {
        w.string8(s.nodeId()).fixed(s.nodeKey().bytes()).fixed(s.signature());
      }
    }
    SetStorageCommittee committee = state.committee();
    w.u8(committee == null ? 0 : 1);
    if (committee != null) {
      committee.encode(w);
    }
    byte[] body = w.toByteArray();
    ByteBuffer out = ByteBuffer.allocate(16 + body.length + 4);
    out.put(MAGIC).put((byte) FORMAT_VERSION).put(new byte[3]).putLong(body.length).put(body);
    out.putInt(crc(out.array(), out.position()));
    DurableFiles.write(dir.resolve(FILE_NAME), out.array(), true);
  }

  private static void writePolicy(CanonicalWriter w, Policy p) {
    List<Address> admins = new ArrayList<>(p.admins());
    admins.sort(Comparator.comparing(Address::toString));
    w.u8(p instanceof AllowList ? KIND_ALLOW_LIST : KIND_TIME_LOCK).fixed(p.id().bytes()).fixed(p.owner().bytes())
        .u64(p.version()).u8(admins.size());
    admins.forEach(a -> w.fixed(a.bytes()));
    if (p instanceof AllowList list) {
      List<Address> members = new ArrayList<>(list.members().keySet());
      members.sort(Comparator.comparing(Address::toString));
      w.u32(members.size());
      for (Address m : members) {
        Window win = list.members().get(m);
        w.fixed(m.bytes()).u64(win.notBefore()).u64(win.notAfter());
      }
    } else {
      w.u64(((TimeLock) p).unlockAt());
    }
  }

  /**
   * The snapshot in {@code dir}, or null if there is none.
   *
   * @throws IOException naming the problem if the file is damaged or of another version
   */
  static Loaded read(Path dir) throws IOException {
    Path file = dir.resolve(FILE_NAME);
    long size;
    try {
      size = Files.size(file);
    } catch (NoSuchFileException e) {
      return null;
    }
    if (size < 20 || size > MAX_BYTES) {
      throw new IOException(file + ": snapshot of " + size + " bytes is not a snapshot");
    }
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    if (!Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new IOException(file + ": not a Cachet state snapshot (bad magic)");
    }
    int version = Byte.toUnsignedInt(bytes[MAGIC.length]);
    if (version != FORMAT_VERSION) {
      throw new IOException(file + ": unsupported state snapshot version " + version + " (this build reads version "
          + FORMAT_VERSION + ")");
    }
    long bodyLength = in.getLong(8);
    if (bodyLength != bytes.length - 20L) {
      throw new IOException(file + ": snapshot body length " + bodyLength + " does not match the file");
    }
    if (crc(bytes, bytes.length - 4) != in.getInt(bytes.length - 4)) {
      throw new IOException(file + ": snapshot fails its CRC32C check");
    }
    try {
      return decode(Arrays.copyOfRange(bytes, 16, bytes.length - 4));
    } catch (FormatException | RuntimeException e) {
      throw new IOException(file + ": snapshot does not decode: " + e.getMessage(), e);
    }
  }

  private static Loaded decode(byte[] body) throws FormatException {
    CanonicalReader r = new CanonicalReader(body);
    String tag = r.string8("tag");
    if (!TAG.equals(tag)) {
      throw new FormatException("not a state snapshot (tag " + tag + ")");
    }
    byte[] genesisHash = r.fixed(32, "genesisHash");
    long headLength = r.u32("head.length");
    if (headLength > Block.MAX_ENCODED_BYTES) {
      throw new FormatException("head block of " + headLength + " bytes");
    }
    Block head = Block.decode(r.fixed((int) headLength, "head"));
    Map<Address, Long> nonces = new HashMap<>();
    for (long i = r.u32("nonces.count"); i > 0; i--) {
      nonces.put(Address.of(r.fixed(32, "sender")), r.u64("nonce"));
    }
    Map<PolicyId, Policy> policies = new HashMap<>();
    for (long i = r.u32("policies.count"); i > 0; i--) {
      Policy p = readPolicy(r);
      policies.put(p.id(), p);
    }
    Map<String, LedgerState.Certificate> certificates = new HashMap<>();
    for (long i = r.u32("certificates.count"); i > 0; i--) {
      String blobId = r.string8("blobId");
      long size = r.u64("size");
      long endEpoch = r.u64("endEpoch");
      long recordedAt = r.u64("recordedAt");
      List<NodeSignature> signatures = new ArrayList<>();
      for (int n = r.u8("signatures.count"); n > 0; n--) {
        signatures.add(new NodeSignature(r.string8("nodeId"), VerifyingKey.of(r.fixed(VerifyingKey.LENGTH, "nodeKey")),
            r.fixed(VerifyingKey.SIGNATURE_LENGTH, "signature")));
      }
      certificates.put(blobId, new LedgerState.Certificate(blobId, size, endEpoch, signatures, recordedAt));
    }
    SetStorageCommittee committee = null;
    if (r.u8("committee.present") == 1) {
      committee = (SetStorageCommittee) Operation.decode(10, r);
    }
    r.end("state snapshot");
    return new Loaded(genesisHash, head, new LedgerState.Contents(policies, nonces, certificates, committee));
  }

  private static Policy readPolicy(CanonicalReader r) throws FormatException {
    int kind = r.u8("policy.kind");
    PolicyId id = PolicyId.of(r.fixed(32, "policy.id"));
    Address owner = Address.of(r.fixed(32, "policy.owner"));
    long version = r.u64("policy.version");
    Set<Address> admins = new HashSet<>();
    for (int n = r.u8("admins.count"); n > 0; n--) {
      admins.add(Address.of(r.fixed(32, "admin")));
    }
    if (kind == KIND_ALLOW_LIST) {
      Map<Address, Window> members = new HashMap<>();
      for (long n = r.u32("members.count"); n > 0; n--) {
        members.put(Address.of(r.fixed(32, "member")), new Window(r.u64("notBefore"), r.u64("notAfter")));
      }
      return new AllowList(id, owner, admins, version, members);
    } else if (kind == KIND_TIME_LOCK) {
      return new TimeLock(id, owner, admins, version, r.u64("unlockAt"));
    }
    throw new FormatException("unknown policy kind " + kind);
  }

  private static int crc(byte[] bytes, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, length);
    return (int) crc.getValue();
  }
}
