package io.cachet.cli.devnet;

import io.cachet.common.http.ApiError;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.cli.CachetHome;
import io.cachet.common.http.AnswerTooLargeException;
import io.cachet.common.http.BoundedBody;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Finds the devnet daemon of a directory and talks to its control endpoint. */
public final class DaemonClient {
  /** Made at first use, not when picocli builds the command tree, so that '--help' loads no JSON. */
  private static final class Mapper {
    static final ObjectMapper JSON = new ObjectMapper();
  }
  /** Most bytes of a control answer: a status report of every part of the devnet. */
  static final int MAX_CONTROL_ANSWER_BYTES = 1 << 20;
  /** Slack on top of the daemon's own bounds, for a loaded machine and the answer's way back. */
  static final Duration ANSWER_MARGIN = Duration.ofSeconds(30);
  /**
   * Longest the CLI waits for the daemon's answer: the longest the daemon itself may take, a
   * {@code start} (launch until serving, then a key server's catch-up), plus {@link #ANSWER_MARGIN};
   * waiting less would report "cannot reach" while the daemon carries on.
   */
  static final Duration ANSWER_TIMEOUT = ProcessDevnet.START_TIMEOUT.plus(ProcessDevnet.CATCH_UP).plus(ANSWER_MARGIN);

  @Mixin CachetHome home;

  @Option(names = "--dir", paramLabel = "DIR", description = "The devnet's directory (default: HOME/devnet).")
  Path dir;

  public Path dir() {
    return (dir != null ? dir : home.dir().resolve("devnet")).toAbsolutePath();
  }

  /** The running daemon's pid and control port; empty when none runs (a stale daemon.json is ignored). */
  Optional<Running> running() throws IOException {
    Path state = dir().resolve(DevnetDaemon.STATE);
    if (!Files.exists(state)) {
      return Optional.empty();
    }
    JsonNode n;
    try {
      n = Mapper.JSON.readTree(state.toFile());
    } catch (IOException e) {
      return Optional.empty();
    }
    long pid = n.path("pid").asLong(-1);
    int port = n.path("controlPort").asInt(-1);
    Optional<ProcessHandle> p = ProcessHandle.of(pid);
    if (p.isEmpty() || !p.get().isAlive() || port <= 0) {
      return Optional.empty();
    }
    return Optional.of(new Running(p.get(), port));
  }

  record Running(ProcessHandle process, int controlPort) {}

  /** Calls the control endpoint; a non-200 answer is a DevnetException with the daemon's message. */
  JsonNode call(Running r, String method, String path) throws IOException, InterruptedException {
    String token = Files.readString(dir().resolve("secrets").resolve("control.token")).trim();
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.controlPort() + path))
        .timeout(ANSWER_TIMEOUT)
        .header("Authorization", "Bearer " + token)
        .method(method, HttpRequest.BodyPublishers.noBody())
        .build();
    HttpResponse<byte[]> resp;
    try {
      resp = BoundedBody.send(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), req,
          "the devnet daemon's answer", MAX_CONTROL_ANSWER_BYTES);
    } catch (AnswerTooLargeException e) {
      throw new DevnetException(e.getMessage());
    }
    if (resp.statusCode() != 200) {
      Optional<ApiError> error = ApiError.parse(new String(resp.body(), StandardCharsets.UTF_8), resp.statusCode());
      throw new DevnetException(error.map(ApiError::reason).orElse(null),
          error.map(ApiError::message).orElse("the devnet answered HTTP " + resp.statusCode()));
    }
    return Mapper.JSON.readTree(resp.body());
  }
}
