package io.cachet.storage.walrus;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * A real HTTP server on a loopback port that plays publisher and aggregator from a script: each
 * request takes the next step queued for its method, or the fallback step when none is left. It
 * reads every request body in full before answering (counting the bytes and their CRC32C) and
 * records what it received.
 */
final class ScriptedServer implements AutoCloseable {
  /** What one request carried. Header names are lower case. */
  record Received(String method, String path, String query, Map<String, List<String>> headers, long bodyBytes,
      long bodyCrc) {
    String header(String name) {
      List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
      return v == null || v.isEmpty() ? null : v.get(0);
    }
  }

  /** How to answer one request. */
  @FunctionalInterface
  interface Step {
    void answer(HttpExchange exchange, Received request) throws IOException;
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private final Map<String, Deque<Step>> scripts = new TreeMap<>();
  private final Map<String, Step> fallbacks = new TreeMap<>();
  private final List<Received> received = new ArrayList<>();
  private volatile LongConsumer bodyProgress = n -> {};

  ScriptedServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Queues steps for requests with this method, in order. */
  synchronized ScriptedServer then(String method, Step... steps) {
    Deque<Step> q = scripts.computeIfAbsent(method, m -> new ArrayDeque<>());
    for (Step s : steps) {
      q.add(s);
    }
    return this;
  }

  /** The step for requests with this method once its queue is empty. */
  synchronized ScriptedServer otherwise(String method, Step step) {
    fallbacks.put(method, step);
    return this;
  }

  /** Called with the running byte count while a request body arrives. */
  void onBodyProgress(LongConsumer progress) {
    this.bodyProgress = progress;
  }

  synchronized List<Received> received() {
    return List.copyOf(received);
  }

  synchronized List<Received> received(String method) {
    return received.stream().filter(r -> r.method().equals(method)).toList();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      long count = 0;
      CRC32C crc = new CRC32C();
      byte[] buf = new byte[64 * 1024];
      LongConsumer progress = bodyProgress;
      try (InputStream in = exchange.getRequestBody()) {
        for (int n; (n = in.read(buf)) >= 0; ) {
          count += n;
          crc.update(buf, 0, n);
          progress.accept(count);
        }
      }
      Map<String, List<String>> headers = new TreeMap<>();
      exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
      Received r = new Received(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
          exchange.getRequestURI().getRawQuery(), headers, count, crc.getValue());
      Step step;
      synchronized (this) {
        received.add(r);
        Deque<Step> q = scripts.get(r.method());
        step = q == null || q.isEmpty() ? fallbacks.get(r.method()) : q.poll();
      }
      if (step == null) {
        step = status(599, "no script for " + r.method());
      }
      step.answer(exchange, r);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  // ---------------------------------------------------------------- steps

  static Step bytes(int status, byte[] body, String... headerPairs) {
    return (ex, r) -> {
      for (int i = 0; i < headerPairs.length; i += 2) {
        ex.getResponseHeaders().add(headerPairs[i], headerPairs[i + 1]);
      }
      ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(body);
        }
      }
    };
  }

  static Step status(int status, String text, String... headerPairs) {
    return bytes(status, text.getBytes(StandardCharsets.UTF_8), headerPairs);
  }

  /** A fixture from src/test/resources/walrus as a JSON answer. */
  static Step fixture(int status, String name, String... headerPairs) {
    String[] all = new String[headerPairs.length + 2];
    all[0] = "Content-Type";
    all[1] = "application/json";
    System.arraycopy(headerPairs, 0, all, 2, headerPairs.length);
    return bytes(status, resource(name), all);
  }

  static byte[] resource(String name) {
    try (InputStream in = ScriptedServer.class.getResourceAsStream("/walrus/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d+)");

  /** An aggregator holding {@code blob}: honours a closed Range with 206, 416 past the end. */
  static Step blob(byte[] blob) {
    return (ex, r) -> {
      String range = r.header("Range");
      if (range == null) {
        bytes(200, blob, "Content-Type", "application/octet-stream").answer(ex, r);
        return;
      }
      Matcher m = RANGE.matcher(range);
      if (!m.matches()) {
        fixture(400, "error-400.json").answer(ex, r);
        return;
      }
      int from = Integer.parseInt(m.group(1));
      int to = Integer.parseInt(m.group(2));
      if (from >= blob.length || to < from) {
        fixture(416, "error-416.json", "Content-Range", "bytes */" + blob.length).answer(ex, r);
        return;
      }
      to = Math.min(to, blob.length - 1);
      byte[] slice = java.util.Arrays.copyOfRange(blob, from, to + 1);
      bytes(206, slice, "Content-Range", "bytes " + from + "-" + to + "/" + blob.length).answer(ex, r);
    };
  }
}
