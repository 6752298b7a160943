package io.cachet.storage.gateway;

import static io.cachet.storage.gateway.PublisherConformance.assertNewlyCreated;
import static io.cachet.storage.gateway.PublisherConformance.error;
import static io.cachet.storage.gateway.PublisherConformance.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.common.http.RawHttp;
import io.cachet.storage.BlobId;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.commons.codec.binary.Base58;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code PUT /v1/blobs} against Walrus's publisher API, over raw HTTP to a running gateway: the
 * answer shapes and their JSON types ({@code newlyCreated}, {@code alreadyCertified}), and every
 * store parameter this gateway honours or refuses, each refusal a 400 in the one error shape whose
 * message names the parameter.
 */
class PublisherBlobConformanceTest {
  @TempDir static Path root;
  private static PublisherConformance gw;

  @BeforeAll
  static void start() throws Exception {
    gw = new PublisherConformance(root, 1 << 20);
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  private static byte[] data(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void store_answersNewlyCreated_withWalrusTypes_andEncodingTypeRS2() throws Exception {
    byte[] blob = data("newly created, default parameters");
    String blobId = assertNewlyCreated(ok(gw.put("/v1/blobs", blob)), blob.length, 1, true);
    RawHttp.Answer read = RawHttp.exchange(gw.port, "GET", "/v1/blobs/" + blobId);
    assertThat(read.body()).isEqualTo("newly created, default parameters");
  }

  @Test
  void store_permanentForThreeEpochs_isNotDeletable() throws Exception {
    byte[] blob = data("permanent for three epochs");
    assertNewlyCreated(ok(gw.put("/v1/blobs?epochs=3&permanent=true", blob)), blob.length, 3, false);
  }

  @Test
  void storeAgain_answersAlreadyCertified_withABase58TxDigest_theSameEachTime() throws Exception {
    byte[] blob = data("stored twice");
    String blobId = assertNewlyCreated(ok(gw.put("/v1/blobs?epochs=2", blob)), blob.length, 2, true);

    JsonObject again = ok(gw.put("/v1/blobs?epochs=2", blob));
    assertThat(again.fieldNames()).containsExactly("alreadyCertified");
    JsonObject certified = again.getJsonObject("alreadyCertified");
    assertThat(certified.getValue("blobId")).isEqualTo(blobId);
    assertThat(certified.getValue("endEpoch")).matches(PublisherConformance::integral, "a JSON integer");
    JsonObject event = certified.getJsonObject("event");
    assertThat(event.getValue("eventSeq")).isInstanceOf(String.class);
    assertThat(event.getValue("txDigest")).isInstanceOf(String.class);
    String digest = event.getString("txDigest");
    assertThat(digest).matches("[1-9A-HJ-NP-Za-km-z]{43,44}");
    assertThat(new Base58().decode(digest)).hasSize(32);
    assertThat(digest).isEqualTo(PublishAnswers.txDigest(BlobId.parse(blobId), blob.length,
        certified.getLong("endEpoch")));

    JsonObject third = ok(gw.put("/v1/blobs?epochs=1", blob));
    assertThat(third.getJsonObject("alreadyCertified").getJsonObject("event").getString("txDigest"))
        .isEqualTo(digest);
  }

  @Test
  void txDigest_knownAnswer() {
    // base58(BLAKE2b-256(0x1e "cachet/storage-confirmation/v1" || blob id 00..1f || u64 BE 5 || u64 BE 7))
    BlobId blob = BlobId.parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
    assertThat(PublishAnswers.txDigest(blob, 5, 7)).isEqualTo("BhqwfcgC6nY9ftLvrtCKwWoFcfg5FHbMJNYvhkyyJ3y4");
  }

  @Test
  void encodingType_cachetsOwn_isAccepted() throws Exception {
    byte[] blob = data("encoding named RS-GF256");
    assertNewlyCreated(ok(gw.put("/v1/blobs?encoding_type=RS-GF256", blob)), blob.length, 1, true);
  }

  @Test
  void encodingType_RS2_isRefused_namingTheValue_neverSubstituted() throws Exception {
    String message = error(gw.put("/v1/blobs?encoding_type=RS2", data("x")), 400, "INVALID_ARGUMENT");
    assertThat(message).isEqualTo("encoding_type RS2 is not supported by this gateway: it stores blobs in"
        + " Cachet's RS-GF256 encoding; leave encoding_type out");
    assertThat(error(gw.put("/v1/blobs?encoding_type=RedStuff", data("x")), 400, "INVALID_ARGUMENT"))
        .startsWith("encoding_type RedStuff is not supported");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "send_object_to=0x1234|send_object_to is not supported by this gateway: Cachet creates no Sui objects",
      "share=true|share=true is not supported by this gateway: Cachet creates no Sui objects",
      "reuse_resources=true|reuse_resources=true is not supported by this gateway",
      "quilt_version=v1|quilt_version applies to PUT /v1/quilts only",
      "force=yes|force must be true or false, got yes",
      "share=1|share must be true or false, got 1",
      "colour=blue|unknown query parameter colour; this publisher takes encoding_type, epochs",
      "epochs=2&epochs=3|query parameter epochs is given more than once"})
  void unsupportedOrBadParameters_are400_namingTheParameter(String query, String expected) throws Exception {
    String message = error(gw.put("/v1/blobs?" + query, data("refused")), 400, "INVALID_ARGUMENT");
    assertThat(message).startsWith(expected);
  }

  @Test
  void permanentAndDeletable_is400_withWalrusReason() throws Exception {
    assertThat(error(gw.put("/v1/blobs?permanent=true&deletable=true", data("refused")), 400,
        "INVALID_BLOB_PERSISTENCE")).startsWith("permanent and deletable cannot both be set");
  }

  @ParameterizedTest
  @ValueSource(strings = {"share=false", "reuse_resources=false", "deletable=true", "force=false", "force=true"})
  void harmlessParameters_areAccepted(String query) throws Exception {
    byte[] blob = data("accepted with " + query);
    JsonObject answer = ok(gw.put("/v1/blobs?" + query, blob));
    assertThat(answer.containsKey("newlyCreated") || answer.containsKey("alreadyCertified")).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "54", "4294967296", "4294967295", "-1", "abc", "1.5", "%2B3", "%203", ""})
  void epochsOutOfRange_are400_namingTheLimits(String epochs) throws Exception {
    String message = error(gw.put("/v1/blobs?epochs=" + epochs, data("epochs")), 400, "INVALID_ARGUMENT");
    assertThat(message).isEqualTo("epochs must be between 1 and 53 (this gateway's limit), got "
        + URLDecoder.decode(epochs, StandardCharsets.UTF_8));
  }

  @Test
  void epochsAtTheLimit_isAccepted() throws Exception {
    byte[] blob = data("fifty-three epochs");
    assertNewlyCreated(ok(gw.put("/v1/blobs?epochs=53", blob)), blob.length, 53, true);
  }

  @Test
  void declaredLengthOverTheLimit_is413_beforeTheBody() throws Exception {
    RawHttp.Answer a = RawHttp.exchange(gw.port, "PUT", "/v1/blobs", java.util.List.of(
        "Content-Length: " + ((1 << 20) + 1)), null);
    assertThat(error(a, 413, "TOO_LARGE")).contains(Integer.toString(1 << 20));
  }
}
