package io.cachet.storage.walrus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cachet.storage.BlobId;
import io.cachet.storage.StorageException;
import io.cachet.storage.StorageException.Reason;
import io.cachet.storage.StoreResult;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The fixtures in src/test/resources/walrus, read by the parser alone. */
class WalrusAnswersTest {
  private static final BlobId NEW_ID = BlobId.parse("M4hsZGQ1oCktdzegB6HnI6Mi28S2nqOPHxK-W7_4BUk");

  @Test
  void newlyCreated_givesIdSizeEndEpochObjectAndCost() throws Exception {
    StoreResult r = WalrusAnswers.storeResult(200, fixture("store-newly-created.json"), 17);

    assertThat(r).isEqualTo(new StoreResult(NEW_ID, 17, 35, false,
        "0xe91e2f3c1d8b7a6954e3c2b1a0f9e8d7c6b5a4938271605f4e3d2c1b0a998877", 132300));
  }

  @Test
  void newlyCreatedInSnakeCase_readsTheSame() throws Exception {
    assertThat(WalrusAnswers.storeResult(200, fixture("store-newly-created-snake-case.json"), 17))
        .isEqualTo(WalrusAnswers.storeResult(200, fixture("store-newly-created.json"), 17));
  }

  @Test
  void unknownFieldsAnywhere_areIgnored() throws Exception {
    StoreResult r = WalrusAnswers.storeResult(200, fixture("store-newly-created-extra-fields.json"), -1);

    assertThat(r).isEqualTo(new StoreResult(BlobId.parse("Qm9yaW5nIGJ1dCByZWFsOiBhIHRlc3QgYmxvYiBpZC4"), 1048576,
        211, false, "0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 8500000));
  }

  @Test
  void alreadyCertifiedWithEvent_hasNoObjectId() throws Exception {
    StoreResult r = WalrusAnswers.storeResult(200, fixture("store-already-certified-event.json"), 17);

    assertThat(r).isEqualTo(new StoreResult(BlobId.parse("LlQ6ZAMkSm5XAu3p9g8tW1y9uZsWqzHc7aFj2kR0oXw"), -1, 118,
        true, null, -1));
  }

  @Test
  void alreadyCertifiedWithObject_givesTheObjectId() throws Exception {
    StoreResult r = WalrusAnswers.storeResult(200, fixture("store-already-certified-object.json"), 17);

    assertThat(r.objectId()).isEqualTo("0x5c1f6b2a9d3e4f5061728394a5b6c7d8e9f00112233445566778899aabbccdde");
    assertThat(r.endEpoch()).isEqualTo(120);
    assertThat(r.alreadyCertified()).isTrue();
  }

  @Test
  void optionalFieldsMissing_areAccepted() throws Exception {
    String minimal = "{\"newlyCreated\":{\"blobObject\":{\"blobId\":\"" + NEW_ID + "\",\"storage\":{\"endEpoch\":9}}}}";

    assertThat(WalrusAnswers.storeResult(200, utf8(minimal), 17))
        .isEqualTo(new StoreResult(NEW_ID, -1, 9, false, null, -1));
  }

  @Test
  void numbersAsDigitStrings_areAccepted() throws Exception {
    String json = "{\"alreadyCertified\":{\"blobId\":\"" + NEW_ID + "\",\"endEpoch\":\"77\"}}";

    assertThat(WalrusAnswers.storeResult(200, utf8(json), 17).endEpoch()).isEqualTo(77);
  }

  @Test
  void markedInvalid_isAnIntegrityFailure() {
    StorageException e = storeFails(500, fixture("store-marked-invalid.json"));

    assertThat(e.reason()).isEqualTo(Reason.INTEGRITY);
    assertThat(e.httpStatus()).isEqualTo(500);
  }

  @Test
  void errorAnswer_carriesPhaseAndMessage() {
    StorageException e = storeFails(200, fixture("store-error.json"));

    assertThat(e.reason()).isEqualTo(Reason.INTERNAL);
    assertThat(e).hasMessageContaining("certify").hasMessageContaining("not enough confirmations");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"newlyCreated\":{\"blobObject\":{\"blobId\":\"M4hsZGQ1oCktdzegB6HnI6Mi28S2nqOPHxK-W7_4BUk\"}}}"
          + "| newlyCreated.blobObject.storage is missing",
      "{\"newlyCreated\":{\"blobObject\":{\"blobId\":\"M4hsZGQ1oCktdzegB6HnI6Mi28S2nqOPHxK-W7_4BUk\","
          + "\"storage\":{}}}} | newlyCreated.blobObject.storage.endEpoch is missing",
      "{\"newlyCreated\":{\"blobObject\":{\"blobId\":\"short\",\"storage\":{\"endEpoch\":1}}}}"
          + "| newlyCreated.blobObject.blobId is not a blob id",
      "{\"newlyCreated\":{\"blobObject\":{\"blobId\":7,\"storage\":{\"endEpoch\":1}}}}"
          + "| newlyCreated.blobObject.blobId is not a string",
      "{\"newlyCreated\":{\"blobObject\":{\"blobId\":\"M4hsZGQ1oCktdzegB6HnI6Mi28S2nqOPHxK-W7_4BUk\","
          + "\"storage\":{\"endEpoch\":-1}}}} | newlyCreated.blobObject.storage.endEpoch is not a non-negative",
      "{\"newlyCreated\":[]} | newlyCreated is not an object",
      "{\"alreadyCertified\":{\"blobId\":\"M4hsZGQ1oCktdzegB6HnI6Mi28S2nqOPHxK-W7_4BUk\"}}"
          + "| alreadyCertified.endEpoch is missing",
      "{\"newlyCreated\":{},\"alreadyCertified\":{}} | more than one",
      "{\"somethingElse\":1} | none of newlyCreated",
      "[1,2] | is a JSON array",
      "{\"newlyCreated\":{}} trailing | not JSON",
      "{\"error\":\"boom\"} | \"error\" that is not an object",
  })
  void malformedAnswer_isAProtocolFailureNamingThePath(String body, String expected) {
    StorageException e = storeFails(200, utf8(body));

    assertThat(e.reason()).isEqualTo(Reason.PROTOCOL);
    assertThat(e).hasMessageContaining(expected.strip());
  }

  @Test
  void emptyAnswer_isAProtocolFailure() {
    assertThat(storeFails(200, new byte[0])).hasMessageContaining("empty");
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 401, 403, 404, 413, 416, 429, 451, 500, 503, 504})
  void everyErrorFixture_mapsByTheTable(int status) {
    StorageException e = WalrusAnswers.failure(status, fixture("error-" + status + ".json"), false, "read");

    assertThat(e.reason()).isEqualTo(WalrusAnswers.reasonForStatus(status));
    assertThat(e.httpStatus()).isEqualTo(status);
    assertThat(e).hasMessageStartingWith("read failed: HTTP " + status);
  }

  @Test
  void detailReason_winsOverTheStatus() {
    String body = "{\"error\":{\"code\":400,\"status\":\"INVALID_ARGUMENT\",\"message\":\"no\","
        + "\"details\":[{\"@type\":\"ErrorInfo\"},{\"reason\":\"FORBIDDEN_BLOB\"}]}}";

    assertThat(WalrusAnswers.failure(400, utf8(body), false, "read").reason()).isEqualTo(Reason.FORBIDDEN_BLOB);
  }

  @Test
  void unknownDetailReason_fallsBackToTheStatus() {
    String body = "{\"error\":{\"code\":503,\"message\":\"later\",\"details\":[{\"reason\":\"NEW_REASON\"}]}}";

    StorageException e = WalrusAnswers.failure(503, utf8(body), false, "read");

    assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
    assertThat(e).hasMessageContaining("NEW_REASON").hasMessageContaining("later");
  }

  @Test
  void serverTextInMessages_isCutAndStrippedOfControlCharacters() {
    String hostile = "line one\nFAKE LOG LINE\r\n" + "z".repeat(10_000);

    StorageException e = WalrusAnswers.failure(500, utf8(hostile), false, "read");

    assertThat(e.getMessage()).doesNotContain("\n", "\r").hasSizeLessThan(WalrusAnswers.MAX_QUOTED_CHARS + 100);
  }

  @Test
  void snakeCase_isDerivedFromCamelCase() {
    assertThat(WalrusAnswers.snake("newlyCreated")).isEqualTo("newly_created");
    assertThat(WalrusAnswers.snake("endEpoch")).isEqualTo("end_epoch");
    assertThat(WalrusAnswers.snake("cost")).isEqualTo("cost");
  }

  private static StorageException storeFails(int status, byte[] body) {
    StorageException e = catchThrowableOfType(StorageException.class,
        () -> WalrusAnswers.storeResult(status, body, -1));
    assertThat(e).as("parsing should have failed").isNotNull();
    return e;
  }

  private static byte[] fixture(String name) {
    return ScriptedServer.resource(name);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
