package io.cachet.storage.gateway;

import io.cachet.common.http.ApiErrors;
import io.vertx.ext.web.RoutingContext;

/**
 * Walrus's read options {@code strict_consistency_check} and {@code skip_consistency_check}, taken
 * where Walrus takes them (blob reads and concatenation) and checked as Walrus checks them: each
 * alone is accepted, both together are refused with {@code 400 INVALID_CONSISTENCY_CHECK}.
 *
 * <p>Neither changes what the gateway does. Walrus's default check verifies the slivers it reads
 * and "strict" re-encodes the whole blob to compare its id; a Cachet blob's metadata commits to the
 * digest of every shard, and the gateway checks every shard it uses against it before a byte goes
 * out, so each read is already as strict as the layout allows, and "skip" is not honoured: an
 * unverified byte is never served.
 */
final class ConsistencyFlags {
  static final String STRICT = "strict_consistency_check";
  static final String SKIP = "skip_consistency_check";
  /** Walrus's reason for both flags set. */
  static final String INVALID = "INVALID_CONSISTENCY_CHECK";

  private ConsistencyFlags() {}

  /** Whether the query's flags are acceptable; if not, the 400 has been sent. */
  static boolean check(RoutingContext ctx) {
    Boolean strict = flag(ctx, STRICT);
    if (strict == null) {
      return false;
    }
    Boolean skip = flag(ctx, SKIP);
    return skip != null && check(ctx, strict, skip);
  }

  /** Whether the two flags may go together; if not, the 400 has been sent. */
  static boolean check(RoutingContext ctx, boolean strict, boolean skip) {
    if (strict && skip) {
      ApiErrors.send(ctx, 400, INVALID, "cannot set both strict and skip consistency check options; set at most"
          + " one (this gateway verifies every shard against the blob's metadata either way)");
      return false;
    }
    return true;
  }

  /** The flag's value (false when absent), or null once a 400 for a value other than true/false is sent. */
  private static Boolean flag(RoutingContext ctx, String name) {
    var values = ctx.queryParam(name);
    if (values.isEmpty()) {
      return Boolean.FALSE;
    }
    if (values.size() == 1 && (values.get(0).equals("true") || values.get(0).equals("false"))) {
      return Boolean.valueOf(values.get(0));
    }
    ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", name + " must be given once, as true or false");
    return null;
  }
}
