package io.cachet.crypto.protocol;

import static io.cachet.crypto.protocol.ProtocolMessagesTest.NOW;
import static io.cachet.crypto.protocol.ProtocolMessagesTest.RANDOM;
import static io.cachet.crypto.protocol.ProtocolMessagesTest.SERVER_HPKE;
import static io.cachet.crypto.protocol.ProtocolMessagesTest.SERVER_IDS;
import static io.cachet.crypto.protocol.ProtocolMessagesTest.TREE;
import static io.cachet.crypto.protocol.ProtocolMessagesTest.edit;
import static io.cachet.crypto.protocol.ProtocolMessagesTest.header;
import static io.cachet.crypto.protocol.ProtocolMessagesTest.unb64;
import static io.cachet.crypto.protocol.ProtocolMessagesTest.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.DataKey;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.Identity;
import io.cachet.crypto.InvalidSignatureException;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.Share;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * fetch_key response version 2, receipt version 3 and share-release version 2: one sealing of the
 * released shares and one receipt per response. The key server's side is played here by the same
 * calls the key server makes; {@link ResponseCheck} is the requester's side. The share-release codec
 * alone is {@link ShareReleaseTest}.
 */
class ResponseFormatTest {
  final Identity server = SERVER_IDS.get(0);
  final Identity person = Identity.generate(RANDOM);
  final Identity session = Identity.generate(RANDOM);
  final HpkeKeyPair ephemeral = HpkeKeyPair.generate();
  final byte[] blockHash = filled(Receipt.BLOCK_HASH_BYTES, 0x5a);

  static byte[] filled(int n, int value) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) value);
    return b;
  }

  /** A request to ks-1 for slot 1 of three envelopes. */
  FetchKeyRequest request() throws Exception {
    SessionCertificate cert = SessionCertificate.issue(person, session.verifyingKey(), NOW.minusSeconds(30),
        ProtocolMessagesTest.TTL, ProtocolMessagesTest.AUDIENCE);
    return FetchKeyRequest.create(session, cert, "ks-1", ephemeral.publicKey(),
        List.of(FetchKeyItem.of(header(), 1), FetchKeyItem.of(header(), 1), FetchKeyItem.of(header(), 1)), NOW,
        RANDOM);
  }

  /** ks-1's answer releasing the items whose number is in {@code releasedItems}, denying the others. */
  FetchKeyResponse respond(FetchKeyRequest request, int... releasedItems) throws Exception {
    List<ItemResult> results = new ArrayList<>();
    List<ReceiptEntry> entries = new ArrayList<>();
    List<ShareRelease.Released> released = new ArrayList<>();
    List<Share> shares = new ArrayList<>();
    for (int i = 0; i < request.items().size(); i++) {
      FetchKeyItem item = request.items().get(i);
      int n = i;
      if (Arrays.stream(releasedItems).anyMatch(r -> r == n)) {
        shares.add(Envelope.unsealShare(item.context(), item.sealedShare(), SERVER_HPKE.get(0)));
        released.add(new ShareRelease.Released(i, item.context()));
        results.add(ItemResult.released(i));
        entries.add(ReceiptEntry.released(i, item, 1234, NOW.minusSeconds(2).toEpochMilli(), blockHash));
      } else {
        results.add(ItemResult.denied(i, "POLICY_DENIED", "the policy does not list this address"));
        entries.add(ReceiptEntry.denied(i, "POLICY_DENIED", item, 1234, NOW.minusSeconds(2).toEpochMilli(),
            blockHash));
      }
    }
    byte[] sealed = released.isEmpty() ? null
        : ShareRelease.seal(request.requestId(), released, shares, request.responseKey());
    shares.forEach(Share::destroy);
    Receipt receipt = Receipt.sign(server, "ks-1", request.requestId(), request.digest(), person.address(),
        NOW.toEpochMilli(), entries, sealed);
    return FetchKeyResponse.of(request.requestId(), "ks-1", 1234, results, sealed, receipt);
  }

  List<ResponseCheck.Outcome> check(FetchKeyRequest request, FetchKeyResponse response) throws Exception {
    return ResponseCheck.open(request, FetchKeyResponse.fromJson(utf8(response.toJson())),
        server.verifyingKey(), person.address(), ephemeral);
  }

  static String reason(ThrowingCall call) {
    try {
      call.run();
    } catch (CachetSecurityException e) {
      return e.reason();
    } catch (Exception e) {
      throw new AssertionError("expected a CachetSecurityException, got " + e, e);
    }
    throw new AssertionError("expected a CachetSecurityException, got none");
  }

  interface ThrowingCall {
    void run() throws Exception;
  }

  // ------------------------------------------------------------------ the whole flow

  @Nested
  class Flow {
    @Test
    void check_someReleasedSomeDenied_opensEachReleasedShareForItsItem() throws Exception {
      FetchKeyRequest request = request();

      List<ResponseCheck.Outcome> outcomes = check(request, respond(request, 0, 2));

      assertThat(outcomes).hasSize(3);
      assertThat(outcomes.get(0).share().index()).isEqualTo(1);
      assertThat(outcomes.get(1).share()).isNull();
      assertThat(outcomes.get(1).result().reason()).isEqualTo("POLICY_DENIED");
      assertThat(outcomes.get(2).share().index()).isEqualTo(1);
      for (int i : new int[] {0, 2}) {
        FetchKeyItem item = request.items().get(i);
        Share expected = Envelope.unsealShare(item.context(), item.sealedShare(), SERVER_HPKE.get(0));
        assertThat(outcomes.get(i).share().sameAs(expected)).as("item %d", i).isTrue();
      }
    }

    @Test
    void check_nothingReleased_hasNoSealedSharesAndStillASignedReceipt() throws Exception {
      FetchKeyRequest request = request();
      FetchKeyResponse response = respond(request);

      assertThat(response.sealedShares()).isNull();
      assertThat(response.receipt().sealedSharesDigest()).isEqualTo(Receipt.sealedSharesDigest(new byte[0]));
      assertThat(check(request, response)).allSatisfy(o -> assertThat(o.share()).isNull());
    }

    @Test
    void fullFlow_twoServersReleaseTheirSlots_recoversThePlaintext() throws Exception {
      byte[] plaintext = utf8("the quarterly numbers, in confidence");
      ProtocolMessagesTest.Sealed sealed = ProtocolMessagesTest.seal(plaintext);
      EnvelopeHeader header = EnvelopeHeader.read(new ByteArrayInputStream(sealed.envelope()));
      SessionCertificate cert = SessionCertificate.issue(person, session.verifyingKey(), NOW.minusSeconds(30),
          ProtocolMessagesTest.TTL, ProtocolMessagesTest.AUDIENCE);
      List<Share> shares = new ArrayList<>();
      for (int index : new int[] {3, 1}) {
        String ks = "ks-" + index;
        FetchKeyRequest req = FetchKeyRequest.create(session, cert, ks, ephemeral.publicKey(),
            List.of(FetchKeyItem.of(header, index)), NOW, RANDOM);
        FetchKeyRequest got = FetchKeyRequest.fromJson(utf8(req.toJson()));
        got.verify(ks, NOW.plusSeconds(1), ProtocolMessagesTest.WINDOW);
        FetchKeyItem item = got.items().get(0);
        Share share = Envelope.unsealShare(item.context(), item.sealedShare(), SERVER_HPKE.get(index - 1));
        byte[] released = ShareRelease.seal(got.requestId(), List.of(new ShareRelease.Released(0, item.context())),
            List.of(share), got.responseKey());
        Receipt receipt = Receipt.sign(SERVER_IDS.get(index - 1), ks, got.requestId(), got.digest(),
            got.certificate().address(), NOW.toEpochMilli(), List.of(ReceiptEntry.released(0, item, 77, NOW.toEpochMilli(), new byte[0])),
            released);
        String json = FetchKeyResponse.of(got.requestId(), ks, 77, List.of(ItemResult.released(0)), released,
            receipt).toJson();

        shares.add(ResponseCheck.open(req, FetchKeyResponse.fromJson(utf8(json)),
            SERVER_IDS.get(index - 1).verifyingKey(), person.address(), ephemeral).get(0).share());
      }

      DataKey key = Envelope.recoverKey(header, shares);
      InputStream in = new ByteArrayInputStream(sealed.envelope());
      EnvelopeHeader.read(in);
      try (InputStream opened = Envelope.openStream(header, key, in)) {
        assertThat(opened.readAllBytes()).isEqualTo(plaintext);
      }
    }
  }

  // ------------------------------------------------------------------ hostile answers, requester's side

  @Nested
  class HostileAnswers {
    @Test
    void check_receiptSignedByAnotherKey_isBadReceipt() throws Exception {
      FetchKeyRequest request = request();
      FetchKeyResponse good = respond(request, 0);
      Receipt r = good.receipt();
      Receipt forged = Receipt.sign(SERVER_IDS.get(1), r.keyServerId(), r.requestId(), r.requestDigest(),
          r.requester(), r.decidedAtMillis(), r.entries(), good.sealedShares());

      assertThat(reason(() -> check(request, withReceipt(good, forged)))).isEqualTo(ResponseCheck.BAD_RECEIPT);
    }

    @Test
    void check_decisionFlippedInTheResponseOnly_isBadReceipt() throws Exception {
      FetchKeyRequest request = request();
      FetchKeyResponse good = respond(request, 0, 2);
      List<ItemResult> flipped = new ArrayList<>(good.items());
      flipped.set(1, ItemResult.denied(1, "CONTEXT_MISMATCH", "not a policy denial"));

      assertThat(reason(() -> check(request, FetchKeyResponse.of(good.requestId(), good.keyServerId(),
          good.ledgerHeight(), flipped, good.sealedShares(), good.receipt())))).isEqualTo(ResponseCheck.BAD_RECEIPT);
    }

    @Test
    void check_receiptOfAnotherRequest_isBadReceiptOrWrongResponse() throws Exception {
      FetchKeyRequest request = request();
      FetchKeyRequest other = request();
      FetchKeyResponse theirs = respond(other, 0);

      assertThat(reason(() -> check(request, theirs))).isEqualTo(ResponseCheck.WRONG_RESPONSE);
      FetchKeyResponse mine = respond(request, 0);
      assertThat(reason(() -> check(request, withReceipt(mine, theirs.receipt()))))
          .isEqualTo(ResponseCheck.BAD_RECEIPT);
    }

    @Test
    void check_sealedSharesOfAnotherResponse_isBadReceipt() throws Exception {
      FetchKeyRequest request = request();
      FetchKeyResponse good = respond(request, 0);
      FetchKeyResponse again = respond(request, 0);

      assertThat(reason(() -> check(request, FetchKeyResponse.of(good.requestId(), good.keyServerId(),
          good.ledgerHeight(), good.items(), again.sealedShares(), good.receipt()))))
          .isEqualTo(ResponseCheck.BAD_RECEIPT);
    }

    @Test
    void check_shareSealedAsAnotherItem_isBadShare() throws Exception {
      FetchKeyRequest request = request();
      FetchKeyResponse good = respond(request, 0);
      // a server that signs a true receipt over sealed bytes answering item 1 with item 0's share
      FetchKeyItem item = request.items().get(0);
      Share share = Envelope.unsealShare(item.context(), item.sealedShare(), SERVER_HPKE.get(0));
      byte[] plain = ShareRelease.plaintext(List.of(new ShareRelease.Released(0, item.context())), List.of(share));
      plain[1] = 1;
      byte[] sealed = request.responseKey().seal(plain,
          ShareRelease.info(request.requestId(), List.of(new ShareRelease.Released(0, item.context()))));
      Receipt receipt = Receipt.sign(server, "ks-1", request.requestId(), request.digest(),
          person.address(), NOW.toEpochMilli(), good.receipt().entries(), sealed);

      assertThat(reason(() -> check(request, FetchKeyResponse.of(good.requestId(), "ks-1", 1234, good.items(),
          sealed, receipt)))).isEqualTo(ShareRelease.BAD_SHARE);
    }

    @Test
    void check_entryDroppedOrItemsReordered_isRefusedBeforeAnyShare() throws Exception {
      FetchKeyRequest request = request();
      FetchKeyResponse good = respond(request, 0, 1);
      List<ReceiptEntry> entries = good.receipt().entries();
      Receipt dropped = Receipt.sign(server, "ks-1", request.requestId(), request.digest(),
          person.address(), NOW.toEpochMilli(), entries.subList(0, 2), good.sealedShares());
      FetchKeyRequest reordered = FetchKeyRequest.create(session, request.certificate(), "ks-1",
          ephemeral.publicKey(), List.of(request.items().get(1), request.items().get(0), request.items().get(2)),
          NOW, RANDOM);

      assertThat(reason(() -> check(request, withReceipt(good, dropped)))).isEqualTo(ResponseCheck.BAD_RECEIPT);
      // the same decisions signed for another order of the items name other items in each place
      FetchKeyResponse forReordered = respond(reordered, 0, 1);
      Receipt r = forReordered.receipt();
      Receipt asMine = Receipt.sign(server, "ks-1", request.requestId(), request.digest(),
          person.address(), r.decidedAtMillis(), r.entries(), good.sealedShares());
      assertThat(reason(() -> check(request, withReceipt(good, asMine)))).isEqualTo(ResponseCheck.BAD_RECEIPT);
    }

    @Test
    void check_anotherRequester_isBadReceipt() throws Exception {
      FetchKeyRequest request = request();
      FetchKeyResponse good = respond(request, 0);

      assertThat(reason(() -> ResponseCheck.open(request, good, server.verifyingKey(),
          Identity.generate(RANDOM).address(), ephemeral))).isEqualTo(ResponseCheck.BAD_RECEIPT);
    }

    FetchKeyResponse withReceipt(FetchKeyResponse r, Receipt receipt) {
      return FetchKeyResponse.of(r.requestId(), r.keyServerId(), r.ledgerHeight(), r.items(), r.sealedShares(),
          receipt);
    }
  }

  // ------------------------------------------------------------------ receipt

  @Nested
  class ReceiptMessage {
    @Test
    void signThenJsonRoundTrip_verifies() throws Exception {
      FetchKeyResponse response = respond(request(), 0, 2);
      Receipt receipt = response.receipt();

      Receipt parsed = Receipt.fromJson(receipt.toJson());

      assertThatCode(() -> parsed.verify(server.verifyingKey(), response.sealedShares())).doesNotThrowAnyException();
      assertThat(parsed.signedBytes()).isEqualTo(receipt.signedBytes());
      assertThat(parsed.entries().get(1).reason()).isEqualTo("POLICY_DENIED");
      assertThat(parsed.toJson()).isEqualTo(receipt.toJson());
    }

    @Test
    void verify_underAnotherServersKeyOrOverOtherShares_throwsInvalidSignature() throws Exception {
      FetchKeyResponse response = respond(request(), 0);

      assertThatThrownBy(() -> response.receipt().verify(SERVER_IDS.get(1).verifyingKey(), response.sealedShares()))
          .isInstanceOf(InvalidSignatureException.class);
      assertThatThrownBy(() -> response.receipt().verify(server.verifyingKey(), null))
          .isInstanceOf(InvalidSignatureException.class);
    }

    static ObjectNode entry(ObjectNode receipt, int i) {
      return (ObjectNode) receipt.get("entries").get(i);
    }

    static Consumer<ObjectNode> flipByte(String field, int entry) {
      return n -> {
        ObjectNode target = entry < 0 ? n : entry(n, entry);
        byte[] b = unb64(target.get(field).asText());
        b[b.length - 1] ^= 1;
        target.put(field, Base64Url.encode(b));
      };
    }

    static Stream<Arguments> edits() {
      return Stream.of(
          Arguments.of(Named.of("keyServerId", (Consumer<ObjectNode>) n -> n.put("keyServerId", "ks-2"))),
          Arguments.of(Named.of("requestId", (Consumer<ObjectNode>) n ->
              n.put("requestId", ProtocolMessagesTest.randomRequestId()))),
          Arguments.of(Named.of("requester", (Consumer<ObjectNode>) n ->
              n.put("requester", Identity.generate(RANDOM).address().toString()))),
          Arguments.of(Named.of("decidedAtMillis", (Consumer<ObjectNode>) n ->
              n.put("decidedAtMillis", n.get("decidedAtMillis").asLong() - 1))),
          Arguments.of(Named.of("sealedSharesDigest", flipByte("sealedSharesDigest", -1))),
          Arguments.of(Named.of("signature", flipByte("signature", -1))),
          Arguments.of(Named.of("decision flipped to denied", (Consumer<ObjectNode>) n ->
              entry(n, 0).put("decision", "denied").put("reason", "POLICY_DENIED"))),
          Arguments.of(Named.of("decision flipped to released", (Consumer<ObjectNode>) n ->
              entry(n, 1).put("decision", "released").putNull("reason"))),
          Arguments.of(Named.of("reason", (Consumer<ObjectNode>) n -> entry(n, 1).put("reason", "CONTEXT_MISMATCH"))),
          Arguments.of(Named.of("itemDigest", flipByte("itemDigest", 0))),
          Arguments.of(Named.of("ledgerId", (Consumer<ObjectNode>) n -> entry(n, 0).put("ledgerId", "cachet-other"))),
          Arguments.of(Named.of("policyId", (Consumer<ObjectNode>) n ->
              entry(n, 0).put("policyId", PolicyId.random(RANDOM).toString()))),
          Arguments.of(Named.of("objectId", (Consumer<ObjectNode>) n ->
              entry(n, 1).put("objectId", ObjectId.random(RANDOM).toString()))),
          Arguments.of(Named.of("shareIndex", (Consumer<ObjectNode>) n -> entry(n, 0).put("shareIndex", 2))),
          Arguments.of(Named.of("ledgerHeight", (Consumer<ObjectNode>) n -> entry(n, 0).put("ledgerHeight", 1235))),
          Arguments.of(Named.of("ledgerTimeMillis", (Consumer<ObjectNode>) n ->
              entry(n, 1).put("ledgerTimeMillis", entry(n, 1).get("ledgerTimeMillis").asLong() + 1))),
          Arguments.of(Named.of("decisionBlockHash", flipByte("decisionBlockHash", 0))),
          Arguments.of(Named.of("decisionBlockHash dropped", (Consumer<ObjectNode>) n ->
              entry(n, 0).put("decisionBlockHash", ""))),
          Arguments.of(Named.of("entries swapped", (Consumer<ObjectNode>) n -> {
            ArrayNode entries = (ArrayNode) n.get("entries");
            JsonNode first = entries.get(0).deepCopy();
            JsonNode second = entries.get(1).deepCopy();
            entries.set(0, ((ObjectNode) second).put("item", 0));
            entries.set(1, ((ObjectNode) first).put("item", 1));
          })));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("edits")
    void verify_fieldTamperedInJson_throwsInvalidSignature(Consumer<ObjectNode> change) throws Exception {
      FetchKeyResponse response = respond(request(), 0);
      Receipt tampered = Receipt.fromJson(edit(response.receipt().toJson(), change));

      assertThatThrownBy(() -> tampered.verify(server.verifyingKey(), response.sealedShares()))
          .isInstanceOf(InvalidSignatureException.class);
    }

    static Stream<Arguments> malformed() {
      return Stream.of(
          Arguments.of(Named.of("no entries", (Consumer<ObjectNode>) n -> ((ArrayNode) n.get("entries")).removeAll())),
          Arguments.of(Named.of("entries out of order", (Consumer<ObjectNode>) n -> entry(n, 0).put("item", 1))),
          Arguments.of(Named.of("released with a reason", (Consumer<ObjectNode>) n ->
              entry(n, 0).put("reason", "POLICY_DENIED"))),
          Arguments.of(Named.of("denied without reason", (Consumer<ObjectNode>) n -> entry(n, 1).putNull("reason"))),
          Arguments.of(Named.of("unknown decision", (Consumer<ObjectNode>) n -> entry(n, 1).put("decision", "maybe"))),
          Arguments.of(Named.of("share index 0", (Consumer<ObjectNode>) n -> entry(n, 0).put("shareIndex", 0))),
          Arguments.of(Named.of("share index 33", (Consumer<ObjectNode>) n -> entry(n, 0).put("shareIndex", 33))),
          Arguments.of(Named.of("short item digest", (Consumer<ObjectNode>) n -> entry(n, 0).put("itemDigest", "AAAA"))),
          Arguments.of(Named.of("entry null", (Consumer<ObjectNode>) n ->
              ((ArrayNode) n.get("entries")).set(1, NullNode.getInstance()))),
          Arguments.of(Named.of("overlong request id", (Consumer<ObjectNode>) n -> n.put("requestId", "a".repeat(300)))),
          Arguments.of(Named.of("digest missing", (Consumer<ObjectNode>) n -> n.remove("sealedSharesDigest"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void fromJson_malformed_throwsFormat(Consumer<ObjectNode> change) throws Exception {
      String json = edit(respond(request(), 0).receipt().toJson(), change);

      assertThatThrownBy(() -> Receipt.fromJson(json)).isInstanceOf(FormatException.class);
    }

    @Test
    void fromJson_version2OrNoneOrLater_throwsFormatNamingIt() throws Exception {
      String json = respond(request(), 0).receipt().toJson();
      String v2 = edit(json, n -> n.put("version", 2));
      String v4 = edit(json, n -> n.put("version", 4));

      assertThatThrownBy(() -> Receipt.fromJson(v2)).isInstanceOf(FormatException.class)
          .hasMessageContaining("receipt format version 2 is not supported; this build reads version 3");
      assertThatThrownBy(() -> Receipt.fromJson(v4)).isInstanceOf(FormatException.class)
          .hasMessageContaining("receipt format version 4 is not supported");
    }

    @Test
    void signedBytes_nameTheVersionAndEveryItem() throws Exception {
      FetchKeyRequest request = request();
      byte[] signed = respond(request, 0).receipt().signedBytes();
      String hex = java.util.HexFormat.of().formatHex(signed);

      assertThat(new String(signed, java.nio.charset.StandardCharsets.ISO_8859_1)).startsWith("\u0011cachet/receipt/v3");
      for (FetchKeyItem item : request.items()) {
        assertThat(hex).contains(java.util.HexFormat.of().formatHex(item.digest()));
      }
    }
  }

  // ------------------------------------------------------------------ response

  @Nested
  class ResponseMessage {
    @Test
    void jsonRoundTrip_releasedAndDeniedItems_preservesEveryField() throws Exception {
      FetchKeyResponse original = respond(request(), 0);
      String json = original.toJson();

      FetchKeyResponse parsed = FetchKeyResponse.fromJson(utf8(json));

      assertThat(parsed.version()).isEqualTo(FetchKeyResponse.VERSION);
      assertThat(parsed.sealedShares()).isEqualTo(original.sealedShares());
      assertThat(parsed.receipt().signedBytes()).isEqualTo(original.receipt().signedBytes());
      assertThat(parsed.items().get(1).reason()).isEqualTo("POLICY_DENIED");
      assertThat(parsed.releasedCount()).isEqualTo(1);
      assertThat(parsed.toJson()).isEqualTo(json);
      JsonNode tree = TREE.readTree(json);
      assertThat(tree.get("items").get(0).has("releasedShare")).isFalse();
      assertThat(tree.get("items").get(0).has("released")).isFalse();
      assertThat(tree.has("releasedCount")).isFalse();
    }

    @Test
    void fromJson_withoutVersion_throwsFormatNamingVersion1() throws Exception {
      String v1 = edit(respond(request(), 0).toJson(), n -> {
        n.remove("version");
        n.remove("sealedShares");
        n.remove("receipt");
      });

      assertThatThrownBy(() -> FetchKeyResponse.fromJson(utf8(v1))).isInstanceOf(FormatException.class)
          .hasMessageContaining("fetch_key response format version 1 is not supported; this build reads version 2");
    }

    @Test
    void fromJson_carryingAVersion2Receipt_throwsFormatNamingReceiptVersion2() throws Exception {
      String json = edit(respond(request(), 0).toJson(), n -> ((ObjectNode) n.get("receipt")).put("version", 2));

      assertThatThrownBy(() -> FetchKeyResponse.fromJson(utf8(json))).isInstanceOf(FormatException.class)
          .hasMessageContaining("receipt format version 2 is not supported");
    }

    static ObjectNode item(ObjectNode response, int i) {
      return (ObjectNode) response.get("items").get(i);
    }

    static Stream<Arguments> malformed() {
      return Stream.of(
          Arguments.of(Named.of("released without sealed shares", (Consumer<ObjectNode>) n -> n.putNull("sealedShares"))),
          Arguments.of(Named.of("sealed shares with nothing released", (Consumer<ObjectNode>) n ->
              item(n, 0).put("status", "denied").put("reason", "POLICY_DENIED").put("message", "no"))),
          Arguments.of(Named.of("no receipt", (Consumer<ObjectNode>) n -> n.putNull("receipt"))),
          Arguments.of(Named.of("released with a reason",
              (Consumer<ObjectNode>) n -> item(n, 0).put("reason", "POLICY_DENIED"))),
          Arguments.of(Named.of("a version 1 share in an item",
              (Consumer<ObjectNode>) n -> item(n, 0).put("releasedShare", "AAAA"))),
          Arguments.of(Named.of("denied without reason", (Consumer<ObjectNode>) n -> item(n, 1).putNull("reason"))),
          Arguments.of(Named.of("denied without message", (Consumer<ObjectNode>) n -> item(n, 1).putNull("message"))),
          Arguments.of(Named.of("unknown status", (Consumer<ObjectNode>) n -> item(n, 1).put("status", "maybe"))),
          Arguments.of(Named.of("items out of order", (Consumer<ObjectNode>) n -> {
            ArrayNode items = (ArrayNode) n.get("items");
            JsonNode first = items.remove(0);
            items.insert(1, first);
          })),
          Arguments.of(Named.of("no items", (Consumer<ObjectNode>) n -> ((ArrayNode) n.get("items")).removeAll())),
          Arguments.of(Named.of("item index repeated", (Consumer<ObjectNode>) n -> item(n, 2).put("item", 1))),
          Arguments.of(Named.of("negative ledger height", (Consumer<ObjectNode>) n -> n.put("ledgerHeight", -1))),
          Arguments.of(Named.of("bad key server id", (Consumer<ObjectNode>) n -> n.put("keyServerId", "ks/1"))),
          Arguments.of(Named.of("bad request id", (Consumer<ObjectNode>) n -> n.put("requestId", "not-an-id"))),
          Arguments.of(Named.of("version 3", (Consumer<ObjectNode>) n -> n.put("version", 3))),
          Arguments.of(Named.of("item null", (Consumer<ObjectNode>) n ->
              ((ArrayNode) n.get("items")).set(1, NullNode.getInstance()))),
          Arguments.of(Named.of("more than 100 items", (Consumer<ObjectNode>) n -> {
            ArrayNode items = (ArrayNode) n.get("items");
            for (int i = items.size(); i <= FetchKeyRequest.MAX_ITEMS; i++) {
              items.add(item(n, 1).deepCopy().put("item", i));
            }
          })));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void fromJson_malformedCombination_throwsFormat(Consumer<ObjectNode> change) throws Exception {
      String json = edit(respond(request(), 0).toJson(), change);

      assertThatThrownBy(() -> FetchKeyResponse.fromJson(utf8(json))).isInstanceOf(FormatException.class);
    }
  }
}
