package io.cachet.crypto.protocol;

import static io.cachet.crypto.protocol.ProtocolMessagesTest.NOW;
import static io.cachet.crypto.protocol.ProtocolMessagesTest.RANDOM;
import static io.cachet.crypto.protocol.ProtocolMessagesTest.SERVER_HPKE;
import static io.cachet.crypto.protocol.ProtocolMessagesTest.SERVER_IDS;
import static io.cachet.crypto.protocol.ProtocolMessagesTest.header;
import static io.cachet.crypto.protocol.ProtocolMessagesTest.utf8;
import static io.cachet.crypto.protocol.ResponseFormatTest.reason;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.Envelope;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.HpkeRecipientKey;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Share;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What {@link ResponseCheck} holds a receipt to beyond its signature: that it answers this very
 * request (the digest of its signed bytes, not only its id), that every entry was decided at the
 * ledger height the request signed or above, and that it was decided within the request window
 * around the request's timestamp. Each hostile receipt here is truly signed by the pinned server
 * key: only these checks refuse it.
 */
class ReceiptBindingTest {
  private static final long SIGNED_HEIGHT = 1_000;

  private final Identity server = SERVER_IDS.get(0);
  private final Identity person = Identity.generate(RANDOM);
  private final Identity session = Identity.generate(RANDOM);
  private final HpkeKeyPair ephemeral = HpkeKeyPair.generate();
  private final SessionCertificate cert = certificate();

  private SessionCertificate certificate() {
    return SessionCertificate.issue(person, session.verifyingKey(), NOW.minusSeconds(30), ProtocolMessagesTest.TTL,
        ProtocolMessagesTest.AUDIENCE);
  }

  /** A one-item request to ks-1 that needs height {@value #SIGNED_HEIGHT} decided. */
  private FetchKeyRequest request() throws Exception {
    return FetchKeyRequest.create(session, cert, "ks-1", ephemeral.publicKey(), List.of(FetchKeyItem.of(header(), 1)),
        SIGNED_HEIGHT, NOW, RANDOM);
  }

  /** A request with {@code mine}'s id and items but this response key and certificate, signed by the session. */
  private FetchKeyRequest twin(FetchKeyRequest mine, HpkeRecipientKey responseKey, SessionCertificate certificate) {
    FetchKeyRequest unsigned = new FetchKeyRequest(FetchKeyRequest.VERSION, mine.requestId(), mine.keyServerId(),
        mine.timestampMillis(), mine.minLedgerHeight(), certificate, responseKey, mine.items(), new byte[0]);
    return new FetchKeyRequest(FetchKeyRequest.VERSION, mine.requestId(), mine.keyServerId(), mine.timestampMillis(),
        mine.minLedgerHeight(), certificate, responseKey, mine.items(), session.sign(unsigned.signedBytes()));
  }

  /** ks-1's honest release of item 0 of {@code answered}, decided at {@code height} and {@code decidedAt}. */
  private FetchKeyResponse released(FetchKeyRequest answered, long height, long decidedAt) throws Exception {
    FetchKeyItem item = answered.items().get(0);
    Share share = Envelope.unsealShare(item.context(), item.sealedShare(), SERVER_HPKE.get(0));
    byte[] sealed = ShareRelease.seal(answered.requestId(), List.of(new ShareRelease.Released(0, item.context())),
        List.of(share), answered.responseKey());
    share.destroy();
    Receipt receipt = Receipt.sign(server, "ks-1", answered.requestId(), answered.digest(), person.address(),
        decidedAt, List.of(ReceiptEntry.released(0, item, height, NOW.toEpochMilli(), new byte[0])), sealed);
    return FetchKeyResponse.of(answered.requestId(), "ks-1", height, List.of(ItemResult.released(0)), sealed,
        receipt);
  }

  /** ks-1's denial of item 0 of {@code request}, signed at {@code height} and {@code decidedAt}. */
  private FetchKeyResponse denied(FetchKeyRequest request, long height, long decidedAt) {
    ReceiptEntry entry = ReceiptEntry.denied(0, "NOT_A_MEMBER", request.items().get(0), height, 0, new byte[0]);
    Receipt receipt = Receipt.sign(server, "ks-1", request.requestId(), request.digest(), person.address(), decidedAt,
        List.of(entry), null);
    return FetchKeyResponse.of(request.requestId(), "ks-1", height,
        List.of(ItemResult.denied(0, "NOT_A_MEMBER", "call +1-555-0100 to be added (text chosen by anyone on the path)")),
        null, receipt);
  }

  private List<ResponseCheck.Outcome> check(FetchKeyRequest request, FetchKeyResponse response) throws Exception {
    return ResponseCheck.open(request, FetchKeyResponse.fromJson(utf8(response.toJson())), server.verifyingKey(),
        person.address(), ephemeral);
  }

  // ------------------------------------------------------------------ L3: the request itself

  @Test
  void check_honestReleaseAtTheSignedHeight_opensTheShare() throws Exception {
    FetchKeyRequest request = request();

    List<ResponseCheck.Outcome> outcomes = check(request, released(request, SIGNED_HEIGHT, NOW.toEpochMilli()));

    assertThat(outcomes.get(0).share()).isNotNull();
    assertThat(released(request, SIGNED_HEIGHT, NOW.toEpochMilli()).receipt().requestDigest())
        .isEqualTo(request.digest());
  }

  @Test
  void check_receiptForTheSameIdWithAnotherResponseKey_isBadReceipt() throws Exception {
    FetchKeyRequest request = request();
    // the server truly answered a request of the same id whose response key is not this client's
    FetchKeyRequest other = twin(request, HpkeKeyPair.generate().publicKey(), cert);

    assertThat(reason(() -> check(request, released(other, SIGNED_HEIGHT, NOW.toEpochMilli()))))
        .isEqualTo(ResponseCheck.BAD_RECEIPT);
  }

  @Test
  void check_receiptForTheSameIdWithAnotherCertificate_isBadReceipt() throws Exception {
    FetchKeyRequest request = request();
    SessionCertificate later = SessionCertificate.issue(person, session.verifyingKey(), NOW.minusSeconds(10),
        ProtocolMessagesTest.TTL, ProtocolMessagesTest.AUDIENCE);
    FetchKeyRequest other = twin(request, ephemeral.publicKey(), later);

    assertThat(other.digest()).isNotEqualTo(request.digest());
    assertThat(reason(() -> check(request, denied(other, SIGNED_HEIGHT, NOW.toEpochMilli()))))
        .isEqualTo(ResponseCheck.BAD_RECEIPT);
  }

  // ------------------------------------------------------------------ L1: height and time

  /** The review's evidence (ks-review's ReceiptHeightReviewTest), now refused. */
  @Test
  void check_denialSignedBelowTheRequestsMinimumHeight_andAtTimeZero_isBadReceipt() throws Exception {
    FetchKeyRequest request = request();

    assertThat(reason(() -> check(request, denied(request, 3, 0)))).isEqualTo(ResponseCheck.BAD_RECEIPT);
  }

  @Test
  void check_denialOneBelowTheMinimumHeight_isBadReceipt() throws Exception {
    FetchKeyRequest request = request();

    assertThat(reason(() -> check(request, denied(request, SIGNED_HEIGHT - 1, NOW.toEpochMilli()))))
        .isEqualTo(ResponseCheck.BAD_RECEIPT);
  }

  @Test
  void check_releaseBelowTheMinimumHeight_isBadReceiptAndNoShare() throws Exception {
    FetchKeyRequest request = request();

    assertThat(reason(() -> check(request, released(request, SIGNED_HEIGHT - 1, NOW.toEpochMilli()))))
        .isEqualTo(ResponseCheck.BAD_RECEIPT);
  }

  @Test
  void check_denialAtTheMinimumHeight_isADenial() throws Exception {
    FetchKeyRequest request = request();

    List<ResponseCheck.Outcome> outcomes = check(request, denied(request, SIGNED_HEIGHT, NOW.toEpochMilli()));

    assertThat(outcomes.get(0).share()).isNull();
    assertThat(outcomes.get(0).result().reason()).isEqualTo("NOT_A_MEMBER");
  }

  @Test
  void check_decidedAtTheEdgesOfTheProtocolWindow_isAccepted() throws Exception {
    FetchKeyRequest request = request();
    long earliest = NOW.minus(FetchKeyRequest.MAX_WINDOW).toEpochMilli();
    long latest = NOW.plus(FetchKeyRequest.MAX_WINDOW).plus(ResponseCheck.MAX_DECISION_DELAY).toEpochMilli();

    assertThat(check(request, denied(request, SIGNED_HEIGHT, earliest))).hasSize(1);
    assertThat(check(request, denied(request, SIGNED_HEIGHT, latest))).hasSize(1);
  }

  @Test
  void check_decidedJustOutsideTheProtocolWindow_isBadReceipt() throws Exception {
    FetchKeyRequest request = request();
    long before = NOW.minus(FetchKeyRequest.MAX_WINDOW).toEpochMilli() - 1;
    long after = NOW.plus(FetchKeyRequest.MAX_WINDOW).plus(ResponseCheck.MAX_DECISION_DELAY).toEpochMilli() + 1;

    assertThat(reason(() -> check(request, denied(request, SIGNED_HEIGHT, before))))
        .isEqualTo(ResponseCheck.BAD_RECEIPT);
    assertThat(reason(() -> check(request, released(request, SIGNED_HEIGHT, after))))
        .isEqualTo(ResponseCheck.BAD_RECEIPT);
  }

  @Test
  void check_decidedOutsideTheRequestersOwnWindow_isBadReceipt() throws Exception {
    FetchKeyRequest request = request();
    Duration window = Duration.ofMinutes(1);
    FetchKeyResponse late = denied(request, SIGNED_HEIGHT, NOW.plus(Duration.ofMinutes(10)).toEpochMilli());

    assertThat(check(request, late)).hasSize(1);
    assertThat(reason(() -> ResponseCheck.open(request, late, server.verifyingKey(), person.address(), ephemeral,
        window))).isEqualTo(ResponseCheck.BAD_RECEIPT);
    assertThat(Instant.ofEpochMilli(late.receipt().decidedAtMillis())).isAfter(NOW.plus(window));
  }
}
