package io.cachet.bench.chaos.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.crypto.Address;
import io.cachet.crypto.Blake2b;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Hex;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A ledger transaction the soak's client was told is committed: the checker's evidence that it
 * must be in the chain. One JSON object per line of the txs file ({@link #FORMAT}):
 *
 * <pre>
 * {"format":"cachet-check-tx/1","sender":"…","nonce":17,"digest":"0x…","height":1234,
 *  "kind":"grant","ackedAt":1796000000000}
 * </pre>
 *
 * @param sender the address that signed it
 * @param nonce its nonce
 * @param digest BLAKE2b-256 of its encoding ({@code Transaction.digest()}, 32 bytes), or empty if the
 *     client did not learn it: the check then matches on sender and nonce alone
 * @param height the height the ledger acknowledged it at, or -1 if the client did not learn it
 * @param kind what it did, for people reading a violation ({@code grant}, {@code revoke}, ...)
 * @param ackedAtMillis the client's clock when the acknowledgement arrived
 */
public record TxRecord(Address sender, long nonce, byte[] digest, long height, String kind, long ackedAtMillis) {
  /** The format of one line; another is refused naming it. */
  public static final String FORMAT = "cachet-check-tx/1";
  private static final Pattern KIND = Pattern.compile("[a-z0-9_-]{1,32}");

  public TxRecord {
    Objects.requireNonNull(sender, "sender");
    if (nonce < 0 || height < -1 || ackedAtMillis < 0) {
      throw new IllegalArgumentException("nonce and time must not be negative, height -1 or more");
    }
    if (digest == null || (digest.length != 0 && digest.length != Blake2b.DIGEST_BYTES)) {
      throw new IllegalArgumentException("digest is empty or " + Blake2b.DIGEST_BYTES + " bytes");
    }
    digest = digest.clone();
    if (kind == null || !KIND.matcher(kind).matches()) {
      throw new IllegalArgumentException("kind is 1 to 32 of a-z, 0-9, _ and -");
    }
  }

  @Override
  public byte[] digest() {
    return digest.clone();
  }

  /** This record as one line of the txs file, without the newline. */
  public String toJsonLine() {
    ObjectNode o = JsonLines.newObject(FORMAT).put("sender", sender.toString()).put("nonce", nonce);
    if (digest.length > 0) {
      o.put("digest", Hex.to0x(digest));
    }
    return JsonLines.line(o.put("height", height).put("kind", kind).put("ackedAt", ackedAtMillis));
  }

  /** Reads one line of a txs file; anything else is a {@link FormatException} saying what is wrong. */
  public static TxRecord fromJsonLine(String line) throws FormatException {
    JsonNode n = JsonLines.object(line, FORMAT);
    byte[] digest = n.has("digest") ? Hex.from0x(JsonLines.text(n, "digest"), Blake2b.DIGEST_BYTES, "digest")
        : new byte[0];
    try {
      return new TxRecord(Address.parse(JsonLines.text(n, "sender")), JsonLines.number(n, "nonce"), digest,
          JsonLines.number(n, "height"), JsonLines.text(n, "kind"), JsonLines.number(n, "ackedAt"));
    } catch (IllegalArgumentException e) {
      throw new FormatException("tx record: " + e.getMessage(), e);
    }
  }

  /** Every record of a txs file; a torn last line is left out ({@link JsonLines}). */
  public static JsonLines.Read<TxRecord> readAll(Path file) throws IOException {
    return JsonLines.read(file, TxRecord::fromJsonLine);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TxRecord t && sender.equals(t.sender) && nonce == t.nonce && Arrays.equals(digest, t.digest)
        && height == t.height && kind.equals(t.kind) && ackedAtMillis == t.ackedAtMillis;
  }

  @Override
  public int hashCode() {
    return Objects.hash(sender, nonce, Arrays.hashCode(digest), height, kind, ackedAtMillis);
  }
}
