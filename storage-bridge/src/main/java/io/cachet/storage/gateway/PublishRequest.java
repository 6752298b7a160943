package io.cachet.storage.gateway;

import io.vertx.core.MultiMap;
import java.util.List;
import java.util.Set;

/**
 * The query parameters of {@code PUT /v1/blobs} and {@code PUT /v1/quilts}, read and checked before
 * a byte of the body is: Walrus's {@code PublisherQuery}, held to what this gateway can honour.
 *
 * <p>Guarantees. Every parameter Walrus's publisher knows is read; one this gateway cannot honour is
 * refused with a message naming it and saying what to do, never silently ignored or replaced:
 * {@code encoding_type} other than {@value #CACHET_ENCODING}, {@code send_object_to}, {@code
 * share=true}, {@code reuse_resources=true}, {@code quilt_version} on {@code /v1/blobs} or other
 * than {@code v1}. A parameter Walrus does not know is refused too, as Walrus's publisher refuses
 * it ({@code deny_unknown_fields}). A bad number or boolean names the parameter. Every failure is an
 * {@link IllegalArgumentException} whose message is the answer's; {@code permanent} with {@code
 * deletable} is a {@link PersistenceConflict}, answered with Walrus's reason for it.
 *
 * @param epochs epochs ahead of the current one to store for, 1..the network's limit
 * @param permanent whether the blob is permanent rather than deletable
 * @param force whether to store even when the blob is certified for long enough already
 */
record PublishRequest(int epochs, boolean permanent, boolean force) {
  /** The one {@code encoding_type} accepted: what this gateway produces ({@code Encoding.typeName()}). */
  static final String CACHET_ENCODING = "RS-GF256";

  /** The parameters of Walrus's {@code PublisherQuery}, in its order. */
  static final List<String> KNOWN = List.of("encoding_type", "epochs", "deletable", "permanent", "force",
      "quilt_version", "reuse_resources", "send_object_to", "share");

  /** Walrus's spellings of its one quilt version. */
  private static final Set<String> QUILT_V1 = Set.of("v1", "V1", "1");

  /** {@code permanent} and {@code deletable} together: Walrus answers it {@code 400 INVALID_BLOB_PERSISTENCE}. */
  static final class PersistenceConflict extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    static final String REASON = "INVALID_BLOB_PERSISTENCE";

    PersistenceConflict(String message) {
      super(message);
    }
  }

  /** Which route the parameters came with: {@code quilt_version} belongs to quilts only. */
  enum Route { BLOBS, QUILTS }

  /**
   * Reads {@code params} for {@code route}.
   *
   * @param maxEpochs the network's limit on epochs ahead
   * @throws IllegalArgumentException naming the parameter and the problem
   */
  static PublishRequest parse(MultiMap params, Route route, int maxEpochs) {
    for (String name : params.names()) {
      if (!KNOWN.contains(name)) {
        throw new IllegalArgumentException("unknown query parameter " + name + "; this publisher takes "
            + String.join(", ", KNOWN));
      }
      if (params.getAll(name).size() > 1) {
        throw new IllegalArgumentException("query parameter " + name + " is given more than once; give it once");
      }
    }
    String encoding = params.get("encoding_type");
    if (encoding != null && !encoding.equals(CACHET_ENCODING)) {
      throw new IllegalArgumentException("encoding_type " + encoding + " is not supported by this gateway: it stores"
          + " blobs in Cachet's " + CACHET_ENCODING + " encoding; leave encoding_type out");
    }
    int epochs = epochs(params.get("epochs"), maxEpochs);
    boolean permanent = bool(params, "permanent");
    boolean deletable = bool(params, "deletable");
    boolean force = bool(params, "force");
    if (permanent && deletable) {
      throw new PersistenceConflict("permanent and deletable cannot both be set; give one of them");
    }
    if (params.get("send_object_to") != null) {
      throw new IllegalArgumentException("send_object_to is not supported by this gateway: Cachet creates no Sui"
          + " objects; leave send_object_to out");
    }
    if (bool(params, "share")) {
      throw new IllegalArgumentException("share=true is not supported by this gateway: Cachet creates no Sui"
          + " objects to share; leave share out");
    }
    if (bool(params, "reuse_resources")) {
      throw new IllegalArgumentException("reuse_resources=true is not supported by this gateway: Cachet has no"
          + " on-chain storage resources to reuse; leave reuse_resources out");
    }
    String quiltVersion = params.get("quilt_version");
    if (quiltVersion != null) {
      if (route == Route.BLOBS) {
        throw new IllegalArgumentException("quilt_version applies to PUT /v1/quilts only; leave it out of"
            + " PUT /v1/blobs");
      }
      if (!QUILT_V1.contains(quiltVersion)) {
        throw new IllegalArgumentException("quilt_version " + quiltVersion + " is not supported: this gateway"
            + " stores quilt version v1 (v1, V1 or 1)");
      }
    }
    return new PublishRequest(epochs, permanent, force);
  }

  /** Walrus's {@code EpochCount} is a u32; 0 and anything past the network's limit are refused. */
  private static int epochs(String text, int max) {
    if (text == null) {
      return 1;
    }
    long value;
    try {
      value = Long.parseLong(text);
    } catch (NumberFormatException e) {
      value = -1;
    }
    if (value < 1 || value > max || text.startsWith("+")) {
      throw new IllegalArgumentException("epochs must be between 1 and " + max + " (this gateway's limit), got "
          + text);
    }
    return (int) value;
  }

  /** Walrus's booleans are {@code true} or {@code false}; a bare flag ({@code &force}) counts as true. */
  private static boolean bool(MultiMap params, String name) {
    String v = params.get(name);
    if (v == null) {
      return false;
    }
    return switch (v) {
      case "", "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(name + " must be true or false, got " + v);
    };
  }
}
