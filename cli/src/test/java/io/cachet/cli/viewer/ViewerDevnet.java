package io.cachet.cli.viewer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.CommandRun;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.TestIdentities;
import io.cachet.cli.devnet.Devnet;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A devnet as a person starts it ({@code cachet devnet up --json}, its daemon a process of its own)
 * and the CLI commands the viewer's tests need against it, each run as typed: an owner identity, its
 * policies and grants, puts, share tokens, and stopping or starting a part. The devnet serves the
 * viewer page at the {@code viewerUrl} its {@code --json} answer carries, with its own network
 * descriptor at {@code /network.json} and the SDK at {@code /cachet.js}.
 */
final class ViewerDevnet implements AutoCloseable {
  /** The owner's identity name in this home. */
  static final String OWNER = "owner";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  /** How long a part started again may take to serve: a key server catches up with the ledger first. */
  private static final Duration SERVING_WAIT = Duration.ofSeconds(60);
  /** How often the devnet's status is asked again while a part is not yet serving. */
  private static final Duration HEALTH_POLL = Duration.ofMillis(250);
  /** Longest a key server's /health may take to answer: it answers at once when it runs. */
  private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(2);

  private final Path home;
  private final Path pass;
  private URI viewer;
  private int files;

  private ViewerDevnet(Path home, Path pass) {
    this.home = home;
    this.pass = pass;
  }

  /** Starts a devnet in {@code dir}/home with an owner identity; fails naming what the answer lacked. */
  static ViewerDevnet start(Path dir) throws IOException {
    Path home = dir.resolve("home");
    Files.createDirectories(home);
    // the server compiler, unlike this module's other daemons (cli/pom.xml): 256 MiB pass through this one
    Map<String, String> env = new HashMap<>(System.getenv());
    env.remove(Devnet.DAEMON_JVM_OPTIONS);
    CommandRun up;
    try {
      up = CommandRun.in(home, env, "devnet", "up", "--home", home.toString(), "--json");
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("devnet up: " + e, e);
    }
    ViewerDevnet devnet = new ViewerDevnet(home, dir.resolve("pass.txt"));
    try {
      assertThat(up.exit()).as("devnet up: %s", up.output()).isEqualTo(ExitCodes.OK);
      String viewer = JSON.readTree(up.out()).path("viewerUrl").asText("");
      assertThat(viewer).as("'devnet up --json' names the viewer's URL (viewerUrl): %s", up.out()).startsWith("http");
      devnet.viewer = URI.create(viewer);
      Files.writeString(devnet.pass, "the viewer tests' passphrase\n");
      TestIdentities.ed25519(home, OWNER, devnet.pass);
      return devnet;
    } catch (IOException | RuntimeException | AssertionError e) {
      devnet.close();
      throw e;
    }
  }

  /** The viewer page's URL, as {@code devnet up} printed it. */
  URI viewer() {
    return viewer;
  }

  /** The viewer's origin ({@code http://127.0.0.1:PORT}), for a test server's CORS answers. */
  String viewerOrigin() {
    return viewer.getScheme() + "://" + viewer.getAuthority();
  }

  /** The devnet's network descriptor, as clients (and the viewer's {@code /network.json}) read it. */
  ObjectNode descriptor() throws IOException {
    return (ObjectNode) JSON.readTree(home.resolve("devnet").resolve("cachet-network.json").toFile());
  }

  /** {@code cachet ARGS --home HOME}, which must exit 0. */
  CommandRun ok(String... args) {
    CommandRun r = run(args);
    assertThat(r.exit()).as("cachet %s: %s", String.join(" ", args), r.output()).isEqualTo(ExitCodes.OK);
    return r;
  }

  /** {@code cachet ARGS --home HOME}, whatever it exits. */
  CommandRun run(String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(List.of("--home", home.toString()));
    return CommandRun.of(all.toArray(String[]::new));
  }

  /** As the owner, which must exit 0. */
  CommandRun owner(String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(List.of("--as", OWNER, "--passphrase-file", pass.toString()));
    return ok(all.toArray(String[]::new));
  }

  /** A new allow-list of the owner's; its id. */
  String allowList() {
    String id = owner("policy", "create").out().trim();
    assertThat(id).startsWith("0x").hasSize(66);
    return id;
  }

  /** A time lock opening {@code in} from now ({@code 1h}); its id. */
  String timeLock(String in) {
    String id = owner("policy", "timelock", "--in", in).out().trim();
    assertThat(id).startsWith("0x").hasSize(66);
    return id;
  }

  /** Grants {@code member} with the window the extra options give (none: from now, no end). */
  void grant(String policy, String member, String... window) {
    List<String> args = new ArrayList<>(List.of("policy", "grant", policy, member));
    args.addAll(Arrays.asList(window));
    owner(args.toArray(String[]::new));
  }

  /** Seals and stores {@code plaintext} under {@code policy} as the owner; the blob id. */
  String put(byte[] plaintext, String policy) throws IOException {
    Path file = home.resolve("file-" + (files++) + ".bin");
    Files.write(file, plaintext);
    try {
      return put(file, policy);
    } finally {
      Files.delete(file);
    }
  }

  /** Seals and stores {@code file} under {@code policy} as the owner; the blob id. */
  String put(Path file, String policy) throws IOException {
    JsonNode put = JSON.readTree(owner("put", file.toString(), "--policy", policy, "--epochs", "1", "--json").out());
    String blob = put.path("blobId").asText("");
    assertThat(blob).as("put --json: %s", put).isNotEmpty();
    return blob;
  }

  /** {@code cachet share BLOB}'s token. */
  String share(String blobId) throws IOException {
    String token = JSON.readTree(ok("share", blobId, "--json").out()).path("token").asText("");
    assertThat(token).startsWith("cachet1.");
    return token;
  }

  /** A token as {@code cachet share} makes it, naming {@code network} instead of the devnet's. */
  static String token(String blobId, JsonNode network) throws IOException {
    ObjectNode o = JSON.createObjectNode();
    o.put("blobId", blobId);
    o.set("network", network);
    return "cachet1." + Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(o));
  }

  /** Stops one part ({@code ks-1}, {@code node-0}, ...) with {@code cachet devnet stop}. */
  void stop(String part) {
    ok("devnet", "stop", part);
  }

  /** Starts a stopped part again. */
  void start(String part) {
    ok("devnet", "start", part);
  }

  /**
   * Waits until {@code cachet devnet status --json} shows every part running and each key server's
   * /health saying it serves (its view of the ledger fresh), for a test that stopped and started
   * parts to hand the devnet on as it found it; fails naming the parts that did not.
   */
  void awaitAllServing() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + SERVING_WAIT.toNanos();
    for (;;) {
      JsonNode status = JSON.readTree(ok("devnet", "status", "--json").out());
      List<String> notServing = new ArrayList<>();
      for (JsonNode part : status.path("parts")) {
        String health = part.path("name").asText().startsWith("ks-") ? health(part) : "serving";
        if (!part.path("running").asBoolean() || !"serving".equals(health)) {
          notServing.add(part.path("name").asText() + " (running " + part.path("running").asBoolean() + ", health "
              + health + ")");
        }
      }
      if (notServing.isEmpty() && status.path("parts").size() > 0) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("parts of the devnet not serving after " + SERVING_WAIT.toSeconds() + " s: "
            + notServing + "\n" + status);
      }
      Thread.sleep(HEALTH_POLL.toMillis());
    }
  }

  /** A key server's /health status: as a devnet of processes lists it, else asked at its URL. */
  private static String health(JsonNode part) {
    if (part.has("health")) {
      return part.path("health").asText();
    }
    try {
      URI health = URI.create(part.path("url").asText().replaceAll("/$", "") + "/health");
      HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(health).timeout(HEALTH_TIMEOUT).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      return JSON.readTree(r.body()).path("status").asText("HTTP " + r.statusCode());
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e.toString();
    }
  }

  @Override
  public void close() {
    if (Files.exists(home.resolve("devnet").resolve("daemon.json"))) {
      CommandRun down = run("devnet", "down");
      assertThat(down.exit()).as(down.output()).isEqualTo(ExitCodes.OK);
    }
  }
}
