package io.cachet.cli.blob;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What {@code put} knew about a blob it stored, as the local index keeps it (one JSON file per
 * blob, {@link BlobIndex}): the blob and envelope ids, the file's name, its plaintext and stored
 * sizes, the policy and the envelope's ledger id, the network it went to (its ledger id and
 * aggregator), the key servers and threshold, when it was stored, the end epoch and whether the
 * network had certified it, and the identity that stored it. Nothing here is secret, but together
 * it says what a person keeps where, so the files are private (0600).
 *
 * @param network the ledger id of the network descriptor the put used: what {@code ls} filters on
 * @param ledgerId the ledger id the envelope names (the network's own, or an app's contract on it)
 * @param endEpoch the exclusive end epoch as the put (or a later {@code extend}) saw it
 * @param certified whether the storage network had certified the blob when the put returned
 */
public record BlobEntry(String blobId, String objectId, String name, long plaintextSize, long storedSize,
    String policyId, String ledgerId, String network, String aggregator, List<String> keyServers, int threshold,
    Instant storedAt, long endEpoch, boolean certified, String identity, String address) {
  /** The entry format; a file naming another is reported, never misread. */
  public static final String FORMAT = "cachet-blob/1";

  public BlobEntry {
    Objects.requireNonNull(blobId, "blobId");
    Objects.requireNonNull(network, "network");
    keyServers = List.copyOf(keyServers);
    if (plaintextSize < 0 || storedSize < 0 || threshold < 0) {
      throw new IllegalArgumentException("sizes and threshold are not negative");
    }
  }

  /** This entry with a new end epoch (after an extend). */
  public BlobEntry withEndEpoch(long newEnd) {
    return new BlobEntry(blobId, objectId, name, plaintextSize, storedSize, policyId, ledgerId, network, aggregator,
        keyServers, threshold, storedAt, newEnd, certified, identity, address);
  }

  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("format", FORMAT);
    o.put("blobId", blobId);
    o.put("objectId", objectId);
    o.put("name", name);
    o.put("plaintextSize", plaintextSize);
    o.put("storedSize", storedSize);
    o.put("policyId", policyId);
    o.put("ledgerId", ledgerId);
    o.put("network", network);
    o.put("aggregator", aggregator);
    ArrayNode ks = o.putArray("keyServers");
    keyServers.forEach(ks::add);
    o.put("threshold", threshold);
    o.put("storedAt", storedAt.toString());
    o.put("endEpoch", endEpoch);
    o.put("certified", certified);
    o.put("identity", identity);
    o.put("address", address);
    return o;
  }

  /** Reads one entry; anything missing, of the wrong type or of another format is an {@link IllegalArgumentException} naming it. */
  public static BlobEntry fromJson(JsonNode o) {
    if (o == null || !o.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    String format = text(o, "format");
    if (!FORMAT.equals(format)) {
      throw new IllegalArgumentException("format \"" + format + "\" is not " + FORMAT
          + " (written by another version of cachet?)");
    }
    JsonNode ks = o.get("keyServers");
    if (ks == null || !ks.isArray()) {
      throw new IllegalArgumentException("keyServers is not an array");
    }
    List<String> servers = new ArrayList<>();
    ks.forEach(k -> servers.add(k.asText()));
    Instant storedAt;
    try {
      storedAt = Instant.parse(text(o, "storedAt"));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("storedAt is not an ISO-8601 instant");
    }
    return new BlobEntry(text(o, "blobId"), optional(o, "objectId"), optional(o, "name"), number(o, "plaintextSize"),
        number(o, "storedSize"), optional(o, "policyId"), optional(o, "ledgerId"), text(o, "network"),
        optional(o, "aggregator"), servers, (int) number(o, "threshold"), storedAt, number(o, "endEpoch"),
        o.path("certified").asBoolean(false), optional(o, "identity"), optional(o, "address"));
  }

  private static String text(JsonNode o, String field) {
    JsonNode n = o.get(field);
    if (n == null || !n.isTextual()) {
      throw new IllegalArgumentException(field + " is missing or not a string");
    }
    return n.asText();
  }

  private static String optional(JsonNode o, String field) {
    JsonNode n = o.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }

  private static long number(JsonNode o, String field) {
    JsonNode n = o.get(field);
    if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
      throw new IllegalArgumentException(field + " is missing or not an integer");
    }
    return n.longValue();
  }
}
