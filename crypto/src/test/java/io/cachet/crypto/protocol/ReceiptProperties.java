package io.cachet.crypto.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Address;
import io.cachet.crypto.Identity;
import io.cachet.crypto.InvalidSignatureException;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import java.security.SecureRandom;
import java.util.HexFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/** Receipt format 2: JSON round trips keep every signed byte, and the ledger id is among them. */
class ReceiptProperties {
  private static final Identity SERVER = Identity.generate(new SecureRandom());

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

  @Property(tries = 100)
  void signedReceipt_survivesJson_andVerifies_butNotUnderAnotherLedger(
      @ForAll("ledgerIds") String ledgerId,
      @ForAll("ledgerIds") String otherLedgerId,
      @ForAll("blockHashes") byte[] blockHash,
      @ForAll @Size(32) byte[] requester,
      @ForAll @Size(32) byte[] policy,
      @ForAll @Size(32) byte[] object,
      @ForAll @IntRange(min = 1, max = 32) int shareIndex,
      @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long height,
      @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long ledgerTime,
      @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long decidedAt,
      @ForAll @Size(min = 1, max = 200) byte[] released) throws Exception {
    String requestId = HexFormat.of().formatHex(policy, 0, 16);
    Receipt receipt = Receipt.sign(SERVER, "ks-1", requestId, Address.of(requester), ledgerId, PolicyId.of(policy),
        ObjectId.of(object), shareIndex, height, ledgerTime, blockHash, decidedAt, released);

    Receipt back = Receipt.fromJson(receipt.toJson());

    assertThat(back.signedBytes()).isEqualTo(receipt.signedBytes());
    assertThat(back.toJson()).isEqualTo(receipt.toJson());
    assertThat(back.ledgerId()).isEqualTo(ledgerId);
    assertThat(back.decisionBlockHash()).isEqualTo(blockHash);
    back.verify(SERVER.verifyingKey(), released);
    if (!otherLedgerId.equals(ledgerId)) {
      Receipt moved = new Receipt(Receipt.VERSION, back.keyServerId(), back.requestId(), back.requester(), otherLedgerId,
          back.policyId(), back.objectId(), back.shareIndex(), back.ledgerHeight(), back.ledgerTimeMillis(),
          back.decisionBlockHash(), back.decidedAtMillis(), back.releasedShareDigest(), back.signature());
      assertThatThrownBy(() -> moved.verify(SERVER.verifyingKey(), released))
          .isInstanceOf(InvalidSignatureException.class);
    }
  }
}
