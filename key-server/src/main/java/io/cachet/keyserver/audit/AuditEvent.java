package io.cachet.keyserver.audit;

import io.cachet.crypto.Address;
import io.cachet.crypto.Hex;
import io.cachet.crypto.Names;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One decision of a key server, as its audit log records it: a share released or denied (one
 * event per item of a request), or a whole request refused before any item was decided.
 *
 * @param recordedAtMillis the key server's clock when it decided
 * @param outcome what happened
 * @param reason the stable reason code ({@code ALLOWED}, {@code NOT_A_MEMBER}, {@code CONTEXT_MISMATCH},
 *     {@code LEDGER_STALE}, {@code BAD_SIGNATURE}, ...)
 * @param requestId the request's id, empty if the request never got far enough to have one
 * @param requester the address the session certificate names; null if unknown
 * @param client the client's IP address as the server saw it
 * @param policy the item's policy; null for a request-level refusal
 * @param object the item's object; null for a request-level refusal
 * @param shareIndex the item's share index (1..32); 0 for a request-level refusal
 * @param ledgerHeight the height of the ledger view the decision was made at; -1 for none yet
 * @param ledgerTimeMillis the ledger time of that view
 * @param message the human-readable explanation, at most {@link #MAX_MESSAGE_BYTES} of UTF-8
 * @param ledgerId the ledger id the item's envelope names (for EVM {@code eip155:<chain id>:<contract>}:
 *     a policy id names a policy only within it); empty for a request-level refusal, and for an
 *     entry of format 1, which did not record it
 * @param blockHash the hash of the block the decision was taken at (EVM, 32 bytes); empty where
 *     the ledger names no blocks by hash, where no block was reached, and in format 1 entries
 */
public record AuditEvent(
    long recordedAtMillis,
    Outcome outcome,
    String reason,
    String requestId,
    Address requester,
    String client,
    PolicyId policy,
    ObjectId object,
    int shareIndex,
    long ledgerHeight,
    long ledgerTimeMillis,
    String message,
    String ledgerId,
    byte[] blockHash) {

  /** What a decision came to; the code is its byte in the record. */
  public enum Outcome {
    RELEASED(1),
    DENIED(2),
    REFUSED(3);

    final int code;

    Outcome(int code) {
      this.code = code;
    }

    static Outcome of(int code) {
      for (Outcome o : values()) {
        if (o.code == code) {
          return o;
        }
      }
      return null;
    }
  }

  /** Longest message kept; longer ones are cut at a character boundary by {@link #clip}. */
  public static final int MAX_MESSAGE_BYTES = 1024;
  /** Longest client address (an IPv6 address with a zone fits). */
  public static final int MAX_CLIENT_BYTES = 64;

  private static final Pattern REASON = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");
  private static final Pattern REQUEST_ID = Pattern.compile("|[0-9a-f]{32}");

  /** Length of a block hash when there is one. */
  public static final int BLOCK_HASH_BYTES = 32;

  /** An event that names no ledger and no block: a request-level refusal, or a format 1 entry. */
  public AuditEvent(long recordedAtMillis, Outcome outcome, String reason, String requestId, Address requester,
      String client, PolicyId policy, ObjectId object, int shareIndex, long ledgerHeight, long ledgerTimeMillis,
      String message) {
    this(recordedAtMillis, outcome, reason, requestId, requester, client, policy, object, shareIndex, ledgerHeight,
        ledgerTimeMillis, message, "", new byte[0]);
  }

  public AuditEvent {
    if (recordedAtMillis < 0) {
      throw new IllegalArgumentException("recordedAtMillis must not be negative");
    }
    Objects.requireNonNull(outcome, "outcome");
    if (reason == null || !REASON.matcher(reason).matches()) {
      throw new IllegalArgumentException("reason must be an upper-case code, was " + reason);
    }
    if (requestId == null || !REQUEST_ID.matcher(requestId).matches()) {
      throw new IllegalArgumentException("requestId must be empty or 32 lower-case hex digits");
    }
    Objects.requireNonNull(client, "client");
    if (client.getBytes(StandardCharsets.UTF_8).length > MAX_CLIENT_BYTES) {
      throw new IllegalArgumentException("client address longer than " + MAX_CLIENT_BYTES + " bytes");
    }
    boolean item = outcome != Outcome.REFUSED;
    if (item != (policy != null) || item != (object != null) || item != (shareIndex != 0)) {
      throw new IllegalArgumentException(item ? "a decided item names its policy, object and share index"
          : "a refused request names no item");
    }
    if (shareIndex < 0 || shareIndex > 32) {
      throw new IllegalArgumentException("shareIndex must be 0..32");
    }
    if (ledgerHeight < -1 || ledgerTimeMillis < 0) {
      throw new IllegalArgumentException("ledger height must be -1 or more, ledger time not negative");
    }
    Objects.requireNonNull(message, "message");
    byte[] utf8 = message.getBytes(StandardCharsets.UTF_8);
    if (utf8.length > MAX_MESSAGE_BYTES) {
      throw new IllegalArgumentException("message longer than " + MAX_MESSAGE_BYTES + " bytes; clip it");
    }
    message = new String(utf8, StandardCharsets.UTF_8); // as it will read back: a lone surrogate becomes '?'
    Objects.requireNonNull(ledgerId, "ledgerId");
    if (!ledgerId.isEmpty()) {
      Names.check(ledgerId, "ledgerId");
    }
    if (blockHash == null || (blockHash.length != 0 && blockHash.length != BLOCK_HASH_BYTES)) {
      throw new IllegalArgumentException("blockHash must be empty or " + BLOCK_HASH_BYTES + " bytes");
    }
    blockHash = blockHash.clone();
  }

  @Override
  public byte[] blockHash() {
    return blockHash.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AuditEvent e && recordedAtMillis == e.recordedAtMillis && outcome == e.outcome
        && reason.equals(e.reason) && requestId.equals(e.requestId) && Objects.equals(requester, e.requester)
        && client.equals(e.client) && Objects.equals(policy, e.policy) && Objects.equals(object, e.object)
        && shareIndex == e.shareIndex && ledgerHeight == e.ledgerHeight && ledgerTimeMillis == e.ledgerTimeMillis
        && message.equals(e.message) && ledgerId.equals(e.ledgerId) && Arrays.equals(blockHash, e.blockHash);
  }

  @Override
  public int hashCode() {
    return Objects.hash(recordedAtMillis, outcome, reason, requestId, requester, client, policy, object, shareIndex,
        ledgerHeight, ledgerTimeMillis, message, ledgerId, Arrays.hashCode(blockHash));
  }

  @Override
  public String toString() {
    return "AuditEvent[" + recordedAtMillis + ", " + outcome + " " + reason + ", request " + requestId + ", "
        + requester + " from " + client + ", ledger " + (ledgerId.isEmpty() ? "-" : ledgerId) + ", policy " + policy
        + ", object " + object + ", share " + shareIndex + ", height " + ledgerHeight
        + (blockHash.length == 0 ? "" : " (block " + Hex.to0x(blockHash) + ")") + ", ledger time "
        + ledgerTimeMillis + ", " + message + "]";
  }

  /** {@code message} cut to at most {@link #MAX_MESSAGE_BYTES} bytes of UTF-8, never inside a character. */
  public static String clip(String message) {
    if (message == null) {
      return "";
    }
    byte[] utf8 = message.getBytes(StandardCharsets.UTF_8);
    if (utf8.length <= MAX_MESSAGE_BYTES) {
      return message;
    }
    int end = MAX_MESSAGE_BYTES;
    while (end > 0 && (utf8[end] & 0xC0) == 0x80) {
      end--; // back off a continuation byte
    }
    return new String(utf8, 0, end, StandardCharsets.UTF_8);
  }
}
