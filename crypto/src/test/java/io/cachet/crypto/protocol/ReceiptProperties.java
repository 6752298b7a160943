package io.cachet.crypto.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Address;
import io.cachet.crypto.Blake2b;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.Identity;
import io.cachet.crypto.InvalidSignatureException;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.Share;
import io.cachet.crypto.ShareContext;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/**
 * Receipt format 3, response format 2 and share-release format 2: JSON round trips keep every
 * signed byte, and one changed byte or number anywhere a receipt or the sealed shares carry is
 * refused.
 */
class ReceiptProperties {
  private static final Identity SERVER = Identity.generate(new SecureRandom());
  private static final HpkeKeyPair EPHEMERAL = HpkeKeyPair.generate();

  @Provide
  Arbitrary<String> ledgerIds() {
    Arbitrary<String> embedded = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789.-_:")
        .ofMinLength(1).ofMaxLength(64);
    Arbitrary<String> evm = Arbitraries.longs().between(1, 99_999_999_999_999L).flatMap(chain ->
        Arbitraries.bytes().array(byte[].class).ofSize(20)
            .map(contract -> "eip155:" + chain + ":0x" + HexFormat.of().formatHex(contract)));
    return Arbitraries.oneOf(embedded, evm);
  }

  @Provide
  Arbitrary<byte[]> blockHashes() {
    return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofSize(32), Arbitraries.just(new byte[0]));
  }

  /** An item for slot 1..n of a random object, as key server ks-1 would get it. */
  @Provide
  Arbitrary<FetchKeyItem> items() {
    Arbitrary<byte[]> id = Arbitraries.bytes().array(byte[].class).ofSize(32);
    return Combinators.combine(ledgerIds(), id, id, Arbitraries.integers().between(1, 32), id,
            Arbitraries.bytes().array(byte[].class).ofSize(80))
        .as((ledger, policy, object, n, fingerprint, sealed) -> new FetchKeyItem(new ShareContext(Envelope.VERSION,
            ledger, PolicyId.of(policy), ObjectId.of(object), 1, n, "ks-1", 1 + (object[0] & 0xFF) % n),
            fingerprint, sealed));
  }

  /** An entry per item: released when its bit in {@code released} is set, else denied. */
  static List<ReceiptEntry> entries(List<FetchKeyItem> items, long released, long height, long time, byte[] hash) {
    List<ReceiptEntry> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      out.add((released >>> i & 1) == 1 ? ReceiptEntry.released(i, items.get(i), height, time, hash)
          : ReceiptEntry.denied(i, "POLICY_DENIED", items.get(i), height, time, hash));
    }
    return out;
  }

  @Property(tries = 60)
  void signedReceipt_survivesJson_andVerifies_butNotWithOneNumberOrByteChanged(
      @ForAll @Size(min = 1, max = 12) List<@net.jqwik.api.From("items") FetchKeyItem> items,
      @ForAll long releasedBits,
      @ForAll("blockHashes") byte[] blockHash,
      @ForAll @Size(32) byte[] requester,
      @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long height,
      @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long ledgerTime,
      @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long decidedAt,
      @ForAll @Size(min = 1, max = 300) byte[] sealed,
      @ForAll @IntRange(min = 0, max = 11) int changedEntry,
      @ForAll @IntRange(min = 0, max = 6) int changedField) throws Exception {
    String requestId = HexFormat.of().formatHex(requester, 0, 16);
    List<ReceiptEntry> entries = entries(items, releasedBits, height, ledgerTime, blockHash);
    byte[] requestDigest = Blake2b.hash256(requester);
    Receipt receipt = Receipt.sign(SERVER, "ks-1", requestId, requestDigest, Address.of(requester), decidedAt,
        entries, sealed);

    Receipt back = Receipt.fromJson(receipt.toJson());

    assertThat(back.signedBytes()).isEqualTo(receipt.signedBytes());
    assertThat(back.toJson()).isEqualTo(receipt.toJson());
    back.verify(SERVER.verifyingKey(), sealed);
    for (int i = 0; i < items.size(); i++) {
      assertThat(back.entries().get(i).names(i, items.get(i))).isTrue();
    }

    List<ReceiptEntry> changed = new ArrayList<>(entries);
    int k = changedEntry % entries.size();
    changed.set(k, changeOne(entries.get(k), changedField));
    Receipt moved = new Receipt(Receipt.VERSION, back.keyServerId(), back.requestId(), back.requestDigest(),
        back.requester(), back.decidedAtMillis(), changed, back.sealedSharesDigest(), back.signature());
    assertThatThrownBy(() -> moved.verify(SERVER.verifyingKey(), sealed)).isInstanceOf(InvalidSignatureException.class);
    byte[] otherRequest = back.requestDigest();
    otherRequest[changedEntry % otherRequest.length] ^= 1;
    Receipt forOther = new Receipt(Receipt.VERSION, back.keyServerId(), back.requestId(), otherRequest,
        back.requester(), back.decidedAtMillis(), back.entries(), back.sealedSharesDigest(), back.signature());
    assertThatThrownBy(() -> forOther.verify(SERVER.verifyingKey(), sealed))
        .isInstanceOf(InvalidSignatureException.class);
    byte[] otherSealed = sealed.clone();
    otherSealed[changedEntry % sealed.length] ^= 1;
    assertThatThrownBy(() -> back.verify(SERVER.verifyingKey(), otherSealed))
        .isInstanceOf(InvalidSignatureException.class);
  }

  /** The entry with one field changed: a flipped byte, a number off by one, the decision turned. */
  static ReceiptEntry changeOne(ReceiptEntry e, int field) {
    byte[] digest = e.itemDigest();
    byte[] hash = e.decisionBlockHash();
    switch (field) {
      case 0 -> digest[digest.length - 1] ^= 1;
      case 1 -> {
        return new ReceiptEntry(e.item(), e.isReleased() ? ItemResult.DENIED : ItemResult.RELEASED,
            e.isReleased() ? "POLICY_DENIED" : null, digest, e.ledgerId(), e.policyId(), e.objectId(), e.shareIndex(),
            e.ledgerHeight(), e.ledgerTimeMillis(), hash);
      }
      case 2 -> {
        return new ReceiptEntry(e.item(), e.decision(), e.reason(), digest, e.ledgerId(), e.policyId(), e.objectId(),
            e.shareIndex() % 32 + 1, e.ledgerHeight(), e.ledgerTimeMillis(), hash);
      }
      case 3 -> {
        return new ReceiptEntry(e.item(), e.decision(), e.reason(), digest, e.ledgerId(), e.policyId(), e.objectId(),
            e.shareIndex(), e.ledgerHeight() ^ 1, e.ledgerTimeMillis(), hash);
      }
      case 4 -> {
        return new ReceiptEntry(e.item(), e.decision(), e.reason(), digest, e.ledgerId(), e.policyId(), e.objectId(),
            e.shareIndex(), e.ledgerHeight(), e.ledgerTimeMillis() ^ 1, hash);
      }
      case 5 -> {
        byte[] policy = e.policyId().bytes();
        policy[0] ^= 1;
        return new ReceiptEntry(e.item(), e.decision(), e.reason(), digest, e.ledgerId(), PolicyId.of(policy),
            e.objectId(), e.shareIndex(), e.ledgerHeight(), e.ledgerTimeMillis(), hash);
      }
      default -> hash = hash.length == 0 ? new byte[Receipt.BLOCK_HASH_BYTES] : new byte[0];
    }
    return new ReceiptEntry(e.item(), e.decision(), e.reason(), digest, e.ledgerId(), e.policyId(), e.objectId(),
        e.shareIndex(), e.ledgerHeight(), e.ledgerTimeMillis(), hash);
  }

  @Property(tries = 40)
  void sealedShares_openToTheSameShares_butNotWithOneByteChanged(
      @ForAll @Size(min = 1, max = 8) List<@net.jqwik.api.From("items") FetchKeyItem> items,
      @ForAll @Size(32) byte[] requestBytes,
      @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int position) throws Exception {
    String requestId = HexFormat.of().formatHex(requestBytes, 0, 16);
    List<ShareRelease.Released> released = new ArrayList<>();
    List<Share> shares = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      ShareContext ctx = items.get(i).context();
      released.add(new ShareRelease.Released(i, ctx));
      shares.add(new Share(ctx.index(), java.util.Arrays.copyOf(requestBytes, 32)));
      requestBytes[i] ^= (byte) 0x55;
    }

    byte[] sealed = ShareRelease.seal(requestId, released, shares, EPHEMERAL.publicKey());
    List<Share> opened = ShareRelease.open(sealed, requestId, released, EPHEMERAL);

    for (int i = 0; i < shares.size(); i++) {
      assertThat(opened.get(i).sameAs(shares.get(i))).as("share %d", i).isTrue();
    }
    byte[] changed = sealed.clone();
    changed[position % changed.length] ^= 1;
    assertThatThrownBy(() -> ShareRelease.open(changed, requestId, released, EPHEMERAL))
        .isInstanceOf(CachetSecurityException.class).hasMessageContaining("do not open");
    byte[] info = ShareRelease.info(requestId, released);
    assertThat(new String(info, StandardCharsets.ISO_8859_1)).startsWith("\u0017cachet/share-release/v2");
  }

  @Property(tries = 60)
  void itemDigest_changesWithAnyOneByteOfTheSealedShareOrFingerprint(
      @ForAll("items") FetchKeyItem item,
      @ForAll @IntRange(min = 0, max = 111) int position) {
    byte[] fingerprint = item.keyFingerprint();
    byte[] sealed = item.sealedShare();
    if (position < 32) {
      fingerprint[position] ^= 1;
    } else {
      sealed[position - 32] ^= 1;
    }
    FetchKeyItem changed = new FetchKeyItem(item.context(), fingerprint, sealed);

    assertThat(changed.digest()).isNotEqualTo(item.digest());
    ReceiptEntry entry = ReceiptEntry.released(0, item, 1, 1, new byte[0]);
    assertThat(entry.names(0, item)).isTrue();
    assertThat(entry.names(0, changed)).isFalse();
    assertThat(entry.names(1, item)).isFalse();
  }
}
