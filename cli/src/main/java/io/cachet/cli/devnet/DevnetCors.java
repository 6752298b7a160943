package io.cachet.cli.devnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.UsageException;
import io.cachet.common.http.CorsPolicy;
import io.cachet.common.io.DurableFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The web origins, beside the viewer page's, that a devnet's key servers, gateway and ledger let
 * in ({@code devnet up --cors-origin}): an app's own page on a devnet, such as the subscription
 * example's reader. Kept in {@code devnet.json} under {@link #KEY}, so a restart keeps them; each
 * is checked by {@link CorsPolicy}'s rules (scheme://host[:port], no wildcard, no {@code null}).
 */
final class DevnetCors {
  /** The key in devnet.json. */
  static final String KEY = "corsOrigins";
  private static final ObjectMapper JSON = new ObjectMapper();

  private DevnetCors() {}

  /** The extra origins devnet.json in {@code dir} records; empty when none. */
  static List<String> recorded(Path dir) throws IOException {
    Path state = dir.resolve(DevnetMode.STATE_FILE);
    if (!Files.exists(state)) {
      return List.of();
    }
    return of(JSON.readTree(state.toFile()));
  }

  /** The extra origins a devnet.json tree records. */
  static List<String> of(JsonNode state) {
    List<String> out = new ArrayList<>();
    if (state != null) {
      for (JsonNode o : state.path(KEY)) {
        out.add(o.asText());
      }
    }
    return out;
  }

  /**
   * Adds {@code origins} (normalised) to those devnet.json in {@code dir} records, creating the
   * file with them alone when there is none yet; returns them all.
   *
   * @throws UsageException naming {@code --cors-origin} and the origin at fault; nothing is written then
   */
  static List<String> add(Path dir, List<String> origins) throws IOException {
    List<String> added;
    try {
      added = CorsPolicy.of(origins).origins();
    } catch (IllegalArgumentException e) {
      throw new UsageException("--cors-origin: " + e.getMessage());
    }
    Path state = dir.resolve(DevnetMode.STATE_FILE);
    ObjectNode root = JSON.createObjectNode();
    if (Files.exists(state)) {
      JsonNode n = JSON.readTree(state.toFile());
      if (n == null || !n.isObject()) {
        throw new DevnetException(state + " is damaged; remove the devnet directory to start afresh");
      }
      root = (ObjectNode) n;
    }
    Set<String> all = new LinkedHashSet<>(of(root));
    all.addAll(added);
    if (added.isEmpty()) {
      return List.copyOf(all);
    }
    ArrayNode list = root.putArray(KEY);
    all.forEach(list::add);
    DurableFiles.privateDirectory(dir);
    DurableFiles.write(state, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root), false);
    return List.copyOf(all);
  }

  /** Whether devnet.json's tree records settings only ({@link #KEY}), no part yet: no devnet was made. */
  static boolean settingsOnly(JsonNode state) {
    return state.size() == 0 || (state.size() == 1 && state.has(KEY));
  }

  /** The {@code cors-origins} value of a part a page calls: the viewer's origin, then the extra ones. */
  static String value(String viewerOrigin, List<String> extra) {
    List<String> all = new ArrayList<>();
    all.add(viewerOrigin);
    all.addAll(extra);
    return CorsPolicy.of(all).render();
  }
}
