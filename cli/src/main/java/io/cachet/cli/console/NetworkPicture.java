package io.cachet.cli.console;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One picture of the network for the console's network page, taken from what the commands say:
 * {@code cachet status --json} (the ledger's height, each key server's health and lag, and the
 * gateway's own word on its nodes and on repair) and, on a devnet, {@code cachet devnet status
 * --json} (which parts run). Nothing is probed here that those commands do not probe.
 *
 * <p>The snapshot's shape: {@code at} (epoch millis), {@code chain}, {@code ledgerId},
 * {@code height} (or null), {@code healthy} (status said so and every row is up),
 * {@code problems[]}, {@code devnet} ({@code null}, or
 * {@code {running, mode}}), {@code parts[]} each {@code {name, role (ledger, key-server,
 * storage-node, gateway), state, detail, devnetPart?, stoppable, height?, lag?, usedBytes?,
 * freeBytes?, shards?, blobs?}}, {@code storage} ({@code {status, nodes, nodesServing, writeQuorum,
 * readQuorum, shards: {held, expected, lastPass}}} or null when the gateway said nothing), {@code
 * repair} (the gateway's, or null) and {@code error} (a sentence, when {@code status} itself
 * failed). States: {@code up}, {@code down}, {@code stopped} (the devnet stopped it), {@code
 * lagging} (more than {@link #LAGGING_BLOCKS} behind), {@code stale}, {@code failed}, {@code
 * disk_full}, {@code unknown}, or the gateway's own word when it is not serving.
 */
final class NetworkPicture {
  /** Blocks behind the ledger past which a key server shows as lagging: {@code cachet status}'s bound. */
  static final long LAGGING_BLOCKS = 5;

  private final ConsoleRuns runs;
  private final Path devnetDir;

  NetworkPicture(ConsoleRuns runs, Path devnetDir) {
    this.runs = runs;
    this.devnetDir = devnetDir;
  }

  Path devnetDir() {
    return devnetDir;
  }

  /** Runs the commands (blocking: call on a worker) and composes their answers. */
  JsonObject take(long at) {
    List<String> status = new ArrayList<>(List.of("status"));
    status.addAll(runs.networkArgs());
    ConsoleRuns.Result s = runs.json(status);
    JsonObject devnet = null;
    if (devnetDir != null) {
      ConsoleRuns.Result d = runs.json(List.of("devnet", "status", "--dir", devnetDir.toString()));
      devnet = d.json() instanceof JsonObject o ? o : new JsonObject().put("running", false);
    }
    JsonObject statusDoc = s.json() instanceof JsonObject o && o.getJsonObject("error") == null ? o : null;
    JsonObject picture = compose(statusDoc, devnet, at);
    if (statusDoc == null) {
      JsonObject error = s.error();
      picture.put("error", error != null ? error.getString("message", "cachet status failed")
          : "cachet status failed");
    }
    return picture;
  }

  /** A picture saying only that the round failed, in a few words (never a stack or a path). */
  static JsonObject failed(long at, Throwable e) {
    return new JsonObject().put("at", at).put("parts", new JsonArray()).putNull("height").put("healthy", false)
        .put("problems", new JsonArray()).put("error", "the probe failed (" + e.getClass().getSimpleName() + ")");
  }

  /**
   * Composes a picture from {@code status --json} (null when it failed) and {@code devnet status
   * --json} (null when the network is not a devnet).
   */
  static JsonObject compose(JsonObject status, JsonObject devnet, long at) {
    JsonObject st = status == null ? new JsonObject() : status;
    JsonObject out = new JsonObject().put("at", at).put("chain", st.getString("chain"))
        .put("ledgerId", st.getString("ledgerId")).put("height", st.getValue("height"))
        .put("healthy", st.getBoolean("healthy", false))
        .put("problems", st.getJsonArray("problems", new JsonArray()));
    Map<String, JsonObject> devParts = new LinkedHashMap<>();
    boolean devnetRunning = devnet != null && devnet.getBoolean("running", false);
    boolean processes = devnet != null && "processes".equals(devnet.getString("mode"));
    if (devnet != null) {
      out.put("devnet", new JsonObject().put("running", devnetRunning).put("mode", devnet.getString("mode")));
      for (Object p : devnet.getJsonArray("parts", new JsonArray())) {
        if (p instanceof JsonObject o && o.getString("name") != null) {
          devParts.put(o.getString("name"), o);
        }
      }
    } else {
      out.putNull("devnet");
    }
    JsonObject storage = st.getJsonObject("storage");
    JsonArray parts = new JsonArray();
    List<JsonObject> gateways = new ArrayList<>();
    for (Object o : st.getJsonArray("parts", new JsonArray())) {
      if (!(o instanceof JsonObject p)) {
        continue;
      }
      switch (p.getString("role", "")) {
        case "ledger" -> parts.add(ledger(p, devParts));
        case "key-server" -> parts.add(keyServer(p, devParts));
        case "storage" -> gateways.add(p);
        default -> { }
      }
    }
    for (JsonObject node : nodes(storage, devParts)) {
      parts.add(node);
    }
    for (JsonObject g : gateway(gateways, storage, devParts, processes)) {
      parts.add(g);
    }
    out.put("parts", parts);
    // status probes the parts a client talks to; a storage node it does not name is listed here
    JsonArray problems = out.getJsonArray("problems");
    for (Object o : parts) {
      JsonObject part = (JsonObject) o;
      String name = part.getString("name");
      String state = part.getString("state");
      boolean named = problems.stream().anyMatch(x -> String.valueOf(x).startsWith(name + " "));
      if (!"up".equals(state) && !named) {
        problems.add(name + " " + state);
      }
    }
    // status and devnet status do not run at one instant: a part either saw as not up is not in step
    boolean allUp = parts.stream().allMatch(p -> "up".equals(((JsonObject) p).getString("state")));
    out.put("healthy", out.getBoolean("healthy") && allUp && !parts.isEmpty());
    out.put("storage", storageSummary(storage));
    out.put("repair", storage == null ? null : storage.getJsonObject("repair"));
    return out;
  }

  private static JsonObject ledger(JsonObject p, Map<String, JsonObject> dev) {
    String devName = dev.containsKey("anvil") ? "anvil" : dev.containsKey("ledger") ? "ledger" : null;
    JsonObject row = row("ledger", "ledger", p, dev.get(devName), devName, true);
    if ("up".equals(row.getString("state"))) {
      row.put("state", "failed".equals(p.getString("state")) ? "failed" : "up");
      Long h = p.getLong("height");
      row.put("detail", (devName != null && devName.equals("anvil") ? "EVM block " : "height ") + h);
    }
    return row;
  }

  private static JsonObject keyServer(JsonObject p, Map<String, JsonObject> dev) {
    String name = p.getString("name");
    JsonObject row = row(name, "key-server", p, dev.get(name), dev.containsKey(name) ? name : null, true);
    if (!"up".equals(row.getString("state"))) {
      return row;
    }
    String word = p.getString("state", "up");
    Long lag = p.getLong("lag");
    row.put("lag", lag);
    String at = "height " + p.getValue("height") + (lag == null ? "" : ", lag " + lag);
    if (!"serving".equals(word)) {
      row.put("state", "stale".equals(word) ? "stale" : word).put("detail", word + ", " + at);
    } else if (lag != null && lag > LAGGING_BLOCKS) {
      row.put("state", "lagging").put("detail", lag + " blocks behind, " + at);
    } else {
      row.put("detail", "serving, " + at);
    }
    return row;
  }

  /** The storage nodes: the gateway's report of each, and on a devnet whether it runs. */
  private static List<JsonObject> nodes(JsonObject storage, Map<String, JsonObject> dev) {
    Map<String, JsonObject> reports = new LinkedHashMap<>();
    JsonObject given = storage == null ? null : storage.getJsonObject("nodeReports");
    if (given != null) {
      for (String id : given.fieldNames()) {
        if (given.getValue(id) instanceof JsonObject r) {
          reports.put(id, r);
        }
      }
    }
    List<String> names = new ArrayList<>(reports.keySet());
    for (String d : dev.keySet()) {
      if (d.startsWith("node-") && !names.contains(d)) {
        names.add(d);
      }
    }
    List<JsonObject> rows = new ArrayList<>();
    for (String id : names) {
      JsonObject report = reports.get(id);
      JsonObject d = dev.get(id);
      JsonObject row = new JsonObject().put("name", id).put("role", "storage-node").put("stoppable", d != null);
      if (d != null) {
        row.put("devnetPart", id);
      }
      if (d != null && !d.getBoolean("running", true)) {
        rows.add(row.put("state", "stopped").put("detail", stoppedWords(d)));
        continue;
      }
      if (report == null) {
        rows.add(row.put("state", "unknown").put("detail", "the gateway did not report on it"));
        continue;
      }
      for (String field : List.of("usedBytes", "freeBytes", "shards", "blobs")) {
        if (report.getValue(field) instanceof Number n) {
          row.put(field, n.longValue());
        }
      }
      String word = report.getString("status", "unknown");
      String state = switch (word) {
        case "serving" -> "up";
        case "disk_full", "failed" -> word;
        default -> "down";
      };
      row.put("state", state);
      row.put("detail", state.equals("down") ? word : usage(row) + (state.equals("up") ? "" : " (" + word + ")"));
      rows.add(row);
    }
    return rows;
  }

  /** The gateway: one row when the publisher and the aggregator are one server (as on a devnet), else two. */
  private static List<JsonObject> gateway(List<JsonObject> probes, JsonObject storage, Map<String, JsonObject> dev,
      boolean processes) {
    List<JsonObject> rows = new ArrayList<>();
    boolean one = probes.size() == 2 && probes.get(0).getString("url", "").equals(probes.get(1).getString("url"));
    List<JsonObject> shown = one ? List.of(probes.get(1)) : probes;
    for (JsonObject p : shown) {
      String name = one ? "gateway" : p.getString("name");
      JsonObject d = one ? dev.get("gateway") : null;
      // a gateway inside the devnet's JVM cannot be stopped on its own
      JsonObject row = row(name, "gateway", p, d, d == null ? null : "gateway", processes);
      if ("up".equals(row.getString("state")) && storage != null && p.getString("name").equals("aggregator")) {
        String word = storage.getString("status", "serving");
        row.put("state", "serving".equals(word) ? "up" : word);
        row.put("detail", storage.getValue("nodesServing") + " of " + storage.getValue("nodes") + " nodes serving"
            + ("serving".equals(word) ? "" : ": " + storage.getString("reason", word)));
      } else if ("up".equals(row.getString("state"))) {
        row.put("detail", "answers");
      }
      rows.add(row);
    }
    return rows;
  }

  /** A row from a {@code status} part: up or down, or stopped when the devnet says it does not run. */
  private static JsonObject row(String name, String role, JsonObject probe, JsonObject devPart, String devName,
      boolean stoppable) {
    JsonObject row = new JsonObject().put("name", name).put("role", role)
        .put("stoppable", devName != null && stoppable);
    if (devName != null) {
      row.put("devnetPart", devName);
    }
    if (probe.getValue("height") instanceof Number h) {
      row.put("height", h.longValue());
    }
    if (devPart != null && !devPart.getBoolean("running", true)) {
      return row.put("state", "stopped").put("detail", stoppedWords(devPart));
    }
    if (!probe.getBoolean("up", false)) {
      return row.put("state", "down").put("detail", probe.getString("detail", "does not answer"));
    }
    return row.put("state", "up").put("detail", "");
  }

  private static String stoppedWords(JsonObject devPart) {
    String s = devPart.getString("state");
    return s == null || s.equals("stopped") ? "stopped on the devnet" : s + " (on the devnet)";
  }

  private static String usage(JsonObject row) {
    List<String> bits = new ArrayList<>();
    if (row.containsKey("usedBytes")) {
      bits.add(bytes(row.getLong("usedBytes")) + " used");
    }
    if (row.containsKey("shards")) {
      bits.add(row.getLong("shards") + " shards");
    }
    if (row.containsKey("blobs")) {
      bits.add(row.getLong("blobs") + " blobs");
    }
    if (row.containsKey("freeBytes")) {
      bits.add(bytes(row.getLong("freeBytes")) + " free");
    }
    return bits.isEmpty() ? "serving" : String.join(", ", bits);
  }

  /**
   * Shard health: {@code held}, the shards the nodes that can serve reads say they hold, against
   * {@code expected}, the most any node holds times the number of nodes (every blob has one shard
   * per node and stripe, so a full network holds that many); and {@code lastPass}, what the
   * gateway's last repair pass found when it scrubbed every shard.
   */
  private static JsonObject storageSummary(JsonObject storage) {
    if (storage == null) {
      return null;
    }
    long most = 0;
    long held = 0;
    JsonObject reports = storage.getJsonObject("nodeReports", new JsonObject());
    for (String id : reports.fieldNames()) {
      if (reports.getValue(id) instanceof JsonObject r && r.getValue("shards") instanceof Number n) {
        most = Math.max(most, n.longValue());
        String word = r.getString("status", "");
        if (word.equals("serving") || word.equals("disk_full")) {
          held += n.longValue();
        }
      }
    }
    int nodes = storage.getInteger("nodes", reports.size());
    JsonObject shards = new JsonObject().put("held", held).put("expected", most * nodes);
    JsonObject repair = storage.getJsonObject("repair");
    if (repair != null && repair.getJsonObject("lastPass") != null) {
      shards.put("lastPass", repair.getJsonObject("lastPass"));
    }
    return new JsonObject().put("status", storage.getString("status")).put("nodes", nodes)
        .put("nodesServing", storage.getValue("nodesServing")).put("writeQuorum", storage.getValue("writeQuorum"))
        .put("readQuorum", storage.getValue("readQuorum")).put("shards", shards);
  }

  private static String bytes(long n) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int i = 0;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return i == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[i]);
  }
}
