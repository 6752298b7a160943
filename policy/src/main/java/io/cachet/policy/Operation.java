package io.cachet.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.Blake2b;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Names;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.VerifyingKey;
import io.cachet.crypto.codec.CanonicalReader;
import io.cachet.crypto.codec.CanonicalWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a transaction asks the ledger to do. Each operation has a one-byte code and a canonical
 * encoding (docs/FORMAT.md, "Ledger transactions"); decoding is strict.
 */
public sealed interface Operation {
  int code();

  void encode(CanonicalWriter w);

  /** Creates an empty allow-list owned by the sender; its id is derived from sender and nonce. */
  record CreateAllowList() implements Operation {
    public int code() {
      return 1;
    }

    public void encode(CanonicalWriter w) {}
  }

  record AddMember(PolicyId policy, Address member, Window window) implements Operation {
    public AddMember {
      Objects.requireNonNull(policy, "policy");
      Objects.requireNonNull(member, "member");
      Objects.requireNonNull(window, "window");
    }

    public int code() {
      return 2;
    }

    public void encode(CanonicalWriter w) {
      w.fixed(policy.bytes()).fixed(member.bytes()).u64(window.notBefore()).u64(window.notAfter());
    }
  }

  record RemoveMember(PolicyId policy, Address member) implements Operation {
    public RemoveMember {
      Objects.requireNonNull(policy, "policy");
      Objects.requireNonNull(member, "member");
    }

    public int code() {
      return 3;
    }

    public void encode(CanonicalWriter w) {
      w.fixed(policy.bytes()).fixed(member.bytes());
    }
  }

  record ChangeWindow(PolicyId policy, Address member, Window window) implements Operation {
    public ChangeWindow {
      Objects.requireNonNull(policy, "policy");
      Objects.requireNonNull(member, "member");
      Objects.requireNonNull(window, "window");
    }

    public int code() {
      return 4;
    }

    public void encode(CanonicalWriter w) {
      w.fixed(policy.bytes()).fixed(member.bytes()).u64(window.notBefore()).u64(window.notAfter());
    }
  }

  record AddAdmin(PolicyId policy, Address admin) implements Operation {
    public AddAdmin {
      Objects.requireNonNull(policy, "policy");
      Objects.requireNonNull(admin, "admin");
    }

    public int code() {
      return 5;
    }

    public void encode(CanonicalWriter w) {
      w.fixed(policy.bytes()).fixed(admin.bytes());
    }
  }

  record RemoveAdmin(PolicyId policy, Address admin) implements Operation {
    public RemoveAdmin {
      Objects.requireNonNull(policy, "policy");
      Objects.requireNonNull(admin, "admin");
    }

    public int code() {
      return 6;
    }

    public void encode(CanonicalWriter w) {
      w.fixed(policy.bytes()).fixed(admin.bytes());
    }
  }

  record TransferOwnership(PolicyId policy, Address newOwner) implements Operation {
    public TransferOwnership {
      Objects.requireNonNull(policy, "policy");
      Objects.requireNonNull(newOwner, "newOwner");
    }

    public int code() {
      return 7;
    }

    public void encode(CanonicalWriter w) {
      w.fixed(policy.bytes()).fixed(newOwner.bytes());
    }
  }

  /** Creates a time lock owned by the sender, readable by anyone from {@code unlockAt} on. */
  record CreateTimeLock(long unlockAt) implements Operation {
    public CreateTimeLock {
      if (unlockAt < 0) {
        throw new IllegalArgumentException("unlockAt must not be negative");
      }
    }

    public int code() {
      return 8;
    }

    public void encode(CanonicalWriter w) {
      w.u64(unlockAt);
    }
  }

  /** One storage node's confirmation that it holds its shards of a blob until {@code endEpoch}. */
  record NodeSignature(String nodeId, VerifyingKey nodeKey, byte[] signature) {
    public NodeSignature {
      Names.check(nodeId, "nodeId");
      Objects.requireNonNull(nodeKey, "nodeKey");
      if (signature == null || signature.length != VerifyingKey.SIGNATURE_LENGTH) {
        throw new IllegalArgumentException("a node signature is " + VerifyingKey.SIGNATURE_LENGTH + " bytes");
      }
      signature = signature.clone();
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }
  }

  /**
   * Records a storage availability certificate: metadata and proofs, never data. Each node signs
   * {@link #confirmationBytes}, which the storage side builds the same way.
   */
  record RecordCertificate(byte[] blobId, long size, long endEpoch, List<NodeSignature> signatures)
      implements Operation {
    /** Most confirming signatures a certificate may carry. */
    public static final int MAX_SIGNATURES = 64;

    public RecordCertificate {
      if (blobId == null || blobId.length != Blake2b.DIGEST_BYTES) {
        throw new IllegalArgumentException("a blob id is 32 bytes");
      }
      blobId = blobId.clone();
      if (size < 0 || endEpoch < 0) {
        throw new IllegalArgumentException("size and endEpoch must not be negative");
      }
      signatures = List.copyOf(signatures);
      if (signatures.isEmpty() || signatures.size() > MAX_SIGNATURES) {
        throw new IllegalArgumentException("a certificate carries 1.." + MAX_SIGNATURES + " signatures");
      }
    }

    /** What a storage node signs to confirm a blob: tag, blob id, unencoded size, end epoch. */
    public static byte[] confirmationBytes(byte[] blobId, long size, long endEpoch) {
      return CanonicalWriter.tagged("cachet/storage-confirmation/v1")
          .fixed(blobId)
          .u64(size)
          .u64(endEpoch)
          .toByteArray();
    }

    @Override
    public byte[] blobId() {
      return blobId.clone();
    }

    public int code() {
      return 9;
    }

    public void encode(CanonicalWriter w) {
      w.fixed(blobId).u64(size).u64(endEpoch).u8(signatures.size());
      for (NodeSignature s : signatures) {
        w.string8(s.nodeId()).fixed(s.nodeKey().bytes()).fixed(s.signature());
      }
    }
  }

  /** A storage node the ledger accepts confirmations from: its id and its Ed25519 key. */
  record CommitteeMember(String nodeId, VerifyingKey nodeKey) {
    public CommitteeMember {
      Names.check(nodeId, "nodeId");
      Objects.requireNonNull(nodeKey, "nodeKey");
    }
  }

  /**
   * Sets the storage committee: the nodes whose confirmations make an availability certificate,
   * and how many distinct ones a certificate needs (2f + 1). Only the ledger's operator (the
   * sequencer's identity) may set it; a new one replaces the old for certificates recorded after it.
   */
  record SetStorageCommittee(List<CommitteeMember> members, int quorum) implements Operation {
    public SetStorageCommittee {
      members = List.copyOf(members);
      if (members.isEmpty() || members.size() > RecordCertificate.MAX_SIGNATURES) {
        throw new IllegalArgumentException("a committee has 1.." + RecordCertificate.MAX_SIGNATURES + " members");
      }
      if (members.stream().map(CommitteeMember::nodeId).distinct().count() != members.size()
          || members.stream().map(CommitteeMember::nodeKey).distinct().count() != members.size()) {
        throw new IllegalArgumentException("committee members must have distinct ids and keys");
      }
      if (quorum < 1 || quorum > members.size()) {
        throw new IllegalArgumentException("a quorum is 1.." + members.size() + ", was " + quorum);
      }
    }

    public int code() {
      return 10;
    }

    public void encode(CanonicalWriter w) {
      w.u8(members.size());
      for (CommitteeMember m : members) {
        w.string8(m.nodeId()).fixed(m.nodeKey().bytes());
      }
      w.u8(quorum);
    }
  }

  static Operation decode(int code, CanonicalReader r) throws FormatException {
    try {
      return switch (code) {
        case 1 -> new CreateAllowList();
        case 2 -> new AddMember(policy(r), address(r), window(r));
        case 3 -> new RemoveMember(policy(r), address(r));
        case 4 -> new ChangeWindow(policy(r), address(r), window(r));
        case 5 -> new AddAdmin(policy(r), address(r));
        case 6 -> new RemoveAdmin(policy(r), address(r));
        case 7 -> new TransferOwnership(policy(r), address(r));
        case 8 -> new CreateTimeLock(nonNegative(r.u64("unlockAt"), "unlockAt"));
        case 9 -> {
          byte[] blob = r.fixed(Blake2b.DIGEST_BYTES, "blobId");
          long size = nonNegative(r.u64("size"), "size");
          long end = nonNegative(r.u64("endEpoch"), "endEpoch");
          int count = r.u8("signatures.count");
          List<NodeSignature> sigs = new ArrayList<>(count);
          for (int i = 0; i < count; i++) {
            sigs.add(new NodeSignature(r.string8("nodeId"), VerifyingKey.of(r.fixed(VerifyingKey.LENGTH, "nodeKey")),
                r.fixed(VerifyingKey.SIGNATURE_LENGTH, "signature")));
          }
          yield new RecordCertificate(blob, size, end, sigs);
        }
        case 10 -> {
          int count = r.u8("members.count");
          List<CommitteeMember> members = new ArrayList<>(count);
          for (int i = 0; i < count; i++) {
            members.add(new CommitteeMember(r.string8("nodeId"),
                VerifyingKey.of(r.fixed(VerifyingKey.LENGTH, "nodeKey"))));
          }
          yield new SetStorageCommittee(members, r.u8("quorum"));
        }
        default -> throw new FormatException("unknown operation code " + code);
      };
    } catch (IllegalArgumentException e) {
      throw new FormatException("operation " + code + ": " + e.getMessage(), e);
    }
  }

  private static PolicyId policy(CanonicalReader r) throws FormatException {
    return PolicyId.of(r.fixed(32, "policy"));
  }

  private static Address address(CanonicalReader r) throws FormatException {
    return Address.of(r.fixed(32, "address"));
  }

  private static Window window(CanonicalReader r) throws FormatException {
    return new Window(nonNegative(r.u64("notBefore"), "notBefore"), r.u64("notAfter"));
  }

  private static long nonNegative(long v, String field) throws FormatException {
    if (v < 0) {
      throw new FormatException(field + " is out of range");
    }
    return v;
  }
}
