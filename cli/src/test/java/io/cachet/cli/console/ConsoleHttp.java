package io.cachet.cli.console;

import io.cachet.common.browser.HeadlessChromium;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * A real HTTP client for a running {@link ConsoleServer}, as the console's own page uses it: it
 * follows the printed link once for the session cookie and the CSRF token (in the redirect's
 * fragment, as the page reads it), and sends the token on every API request (with the console's
 * own {@code Origin} on a change). For
 * hostile cases it also sends requests as another page would ({@link #send} with any headers, or
 * no session at all: {@link #anonymous}) and, through a plain socket, with any {@code Host} header
 * or none ({@link #raw}), which {@link HttpClient} does not allow.
 *
 * <p>Nothing here is a mock: every call is a real request over loopback. Thread-safe.
 */
final class ConsoleHttp {
  /** How long one request may take on a loaded machine before the test fails instead of hanging. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);

  private final URI origin;
  private final String cookie;
  private final String csrf;
  private final HttpClient client;
  /** Every answer's body as text, in order, so a test can check that none carries a secret. */
  final List<String> bodies = new CopyOnWriteArrayList<>();

  private ConsoleHttp(URI origin, String cookie, String csrf) {
    this.origin = origin;
    this.cookie = cookie;
    this.csrf = csrf;
    this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(REQUEST_TIMEOUT).build();
  }

  /** One answer: its status, headers (names in lower case) and body. */
  record Answer(int status, Map<String, List<String>> headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    /** The body as a JSON object (an API answer or an error). */
    JsonObject json() {
      return new JsonObject(text());
    }

    /** The body as a JSON array. */
    JsonArray array() {
      return new JsonArray(text());
    }

    /** The answer's error object (the one error shape's {@code error}). */
    JsonObject error() {
      return json().getJsonObject("error");
    }

    /** The error's message. */
    String message() {
      return error().getString("message");
    }

    /** The first value of a header, if it was sent. */
    Optional<String> firstValue(String name) {
      return Optional.ofNullable(header(name));
    }

    /** The first value of a header, or null. */
    String header(String name) {
      List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
      return v == null || v.isEmpty() ? null : v.get(0);
    }

    /**
     * The stable reason of an error answer: the one error shape's {@code details[0].reason} for the
     * API, the refusal page's {@code data-reason} for a page; null when there is none.
     */
    String reason() {
      String t = text();
      if (t.startsWith("{")) {
        Object v = Json.decodeValue(t);
        if (v instanceof JsonObject o && o.getValue("error") instanceof JsonObject e
            && e.getValue("details") instanceof JsonArray d && !d.isEmpty()) {
          return d.getJsonObject(0).getString("reason");
        }
        return null;
      }
      int at = t.indexOf("data-reason=\"");
      if (at < 0) {
        return null;
      }
      int from = at + "data-reason=\"".length();
      return t.substring(from, t.indexOf('"', from));
    }

    @Override
    public String toString() {
      return status + " " + (body.length > 600 ? text().substring(0, 600) + "…" : text());
    }
  }

  /**
   * A client with the console's session: follows {@code server.link()} once (the link is then
   * spent) and reads the CSRF token.
   */
  static ConsoleHttp open(ConsoleServer server) throws IOException, InterruptedException {
    return open(server.link(), URI.create(server.origin()));
  }

  /** As {@link #open(ConsoleServer)}, from a link and the console's origin. */
  static ConsoleHttp open(URI link, URI origin) throws IOException, InterruptedException {
    ConsoleHttp bare = new ConsoleHttp(origin, null, null);
    Answer exchanged = bare.send("GET", link.getRawPath() + "?" + link.getRawQuery(), Map.of(), null);
    if (exchanged.status() != 303) {
      throw new IllegalStateException("the link was not exchanged for a session: " + exchanged);
    }
    String setCookie = exchanged.header("set-cookie");
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    return new ConsoleHttp(origin, cookie, csrfOf(exchanged.header("location")));
  }

  /** A client without a session for any server at {@code origin} (a test's own small Vert.x server). */
  static ConsoleHttp at(URI origin) {
    return new ConsoleHttp(origin, null, null);
  }

  /** The CSRF token the link's redirect hands the page, in its fragment ({@code /#csrf=...}). */
  static String csrfOf(String location) {
    String mark = "#" + ConsoleGate.CSRF_PARAM + "=";
    int at = location == null ? -1 : location.indexOf(mark);
    if (at < 0) {
      throw new IllegalStateException("the link's redirect carries no CSRF token: " + location);
    }
    return location.substring(at + mark.length());
  }

  /**
   * A client sharing a session opened elsewhere (a browser's: {@link HeadlessChromium#cookie} of
   * {@link #sessionCookieName} and {@link HeadlessChromium#csrf}), given its cookie as {@code name=value}
   * and its CSRF token.
   */
  static ConsoleHttp withSession(ConsoleServer server, String cookie, String csrf) {
    return new ConsoleHttp(URI.create(server.origin()), cookie, csrf);
  }

  /** The name of the console's session cookie: one per port, so two consoles on a machine keep theirs apart. */
  static String sessionCookieName(ConsoleServer server) {
    return "cachet_console_" + server.port();
  }

  /** A client with no session: what any other program or page on the machine has. */
  static ConsoleHttp anonymous(ConsoleServer server) {
    return new ConsoleHttp(URI.create(server.origin()), null, null);
  }

  /** The session cookie as {@code name=value}, or null. */
  String cookie() {
    return cookie;
  }

  /** The session's CSRF token, or null. */
  String csrf() {
    return csrf;
  }

  URI origin() {
    return origin;
  }

  /** A GET with the session cookie and, as the page sends it, the CSRF token. */
  Answer get(String path) throws IOException, InterruptedException {
    return send("GET", path, csrf == null ? Map.of() : Map.of(ConsoleGate.CSRF_HEADER, csrf), null);
  }

  /** A POST of a JSON body with the cookie, the CSRF token and the console's Origin. */
  Answer post(String path, JsonObject body) throws IOException, InterruptedException {
    return change("POST", path, body);
  }

  /** A PUT of a JSON body, as {@link #post}. */
  Answer put(String path, JsonObject body) throws IOException, InterruptedException {
    return change("PUT", path, body);
  }

  /** A DELETE with the cookie, the CSRF token and the console's Origin. */
  Answer delete(String path) throws IOException, InterruptedException {
    return send("DELETE", path, changeHeaders(false), null);
  }

  /** A POST of a JSON body with the session cookie only, as a form another site posts would be. */
  Answer postWithoutCsrf(String path, JsonObject body) throws IOException, InterruptedException {
    return send("POST", path, Map.of("Content-Type", "application/json"),
        body.encode().getBytes(StandardCharsets.UTF_8));
  }

  /** A POST of raw bytes with the session cookie only (an upload without its token). */
  Answer uploadWithoutCsrf(String path, byte[] content) throws IOException, InterruptedException {
    return send("POST", path, Map.of(), content);
  }

  /** A POST of raw bytes (an upload), with the cookie, the CSRF token and the console's Origin. */
  Answer upload(String path, byte[] content) throws IOException, InterruptedException {
    Map<String, String> h = changeHeaders(false);
    h.put("Content-Type", "application/octet-stream");
    return send("POST", path, h, content);
  }

  /** A POST of a file's bytes, streamed from disk (a large upload), as {@link #upload(String, byte[])}. */
  Answer upload(String path, Path file) throws IOException, InterruptedException {
    Map<String, String> h = changeHeaders(false);
    h.put("Content-Type", "application/octet-stream");
    HttpRequest.Builder b = request(path, h).POST(HttpRequest.BodyPublishers.ofFile(file));
    return answer(client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray()));
  }

  private Answer change(String method, String path, JsonObject body) throws IOException, InterruptedException {
    byte[] bytes = body == null ? null : body.encode().getBytes(StandardCharsets.UTF_8);
    return send(method, path, changeHeaders(true), bytes);
  }

  private Map<String, String> changeHeaders(boolean json) {
    Map<String, String> h = new LinkedHashMap<>();
    if (csrf != null) {
      h.put(ConsoleGate.CSRF_HEADER, csrf);
    }
    h.put("Origin", origin.toString());
    if (json) {
      h.put("Content-Type", "application/json");
    }
    return h;
  }

  /**
   * Any request with exactly the headers given (plus the session cookie, if this client has one):
   * no CSRF token or Origin unless they are among them. For hostile cases.
   */
  Answer send(String method, String path, Map<String, String> headers, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = request(path, headers).method(method,
        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    return answer(client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray()));
  }

  /**
   * A GET whose body is kept open as a stream (server-sent events, a large download); the caller
   * closes it.
   */
  HttpResponse<InputStream> stream(String path) throws IOException, InterruptedException {
    Map<String, String> h = csrf == null ? Map.of() : Map.of(ConsoleGate.CSRF_HEADER, csrf);
    return client.send(request(path, h).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  /**
   * A GET of an event stream whose body comes line by line as the server sends it; the caller
   * closes the stream.
   */
  HttpResponse<Stream<String>> lines(String path) throws IOException, InterruptedException {
    Map<String, String> h = csrf == null ? Map.of() : Map.of(ConsoleGate.CSRF_HEADER, csrf);
    return client.send(request(path, h).GET().build(), HttpResponse.BodyHandlers.ofLines());
  }

  private HttpRequest.Builder request(String path, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(origin.resolve(path)).timeout(REQUEST_TIMEOUT);
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    headers.forEach(b::header);
    return b;
  }

  private Answer answer(HttpResponse<byte[]> r) {
    Map<String, List<String>> h = new TreeMap<>();
    r.headers().map().forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), v));
    Answer a = new Answer(r.statusCode(), h, r.body());
    bodies.add(a.text());
    return a;
  }

  /**
   * A request written by hand on a plain socket to the console's port: {@code host} is sent as the
   * {@code Host} header as given ({@code null}: no Host header at all), with the session cookie when
   * this client has one, and the connection closed after the answer. {@code extra} headers follow.
   */
  Answer raw(String method, String path, String host, Map<String, String> extra) throws IOException {
    return raw(InetAddress.getLoopbackAddress(), origin.getPort(), method, path, host, extra);
  }

  /** As {@link #raw(String, String, String, Map)}, to any address and port. */
  Answer raw(InetAddress address, int port, String method, String path, String host, Map<String, String> extra)
      throws IOException {
    StringBuilder req = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n");
    if (host != null) {
      req.append("Host: ").append(host).append("\r\n");
    }
    if (cookie != null) {
      req.append("Cookie: ").append(cookie).append("\r\n");
    }
    extra.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
    req.append("Content-Length: 0\r\nConnection: close\r\n\r\n");
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(address, port), (int) REQUEST_TIMEOUT.toMillis());
      s.setSoTimeout((int) REQUEST_TIMEOUT.toMillis());
      OutputStream out = s.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return parse(s.getInputStream().readAllBytes());
    }
  }

  /** An HTTP/1.1 answer read to the end of the connection: status line, headers, body (chunked or not). */
  private static Answer parse(byte[] all) {
    int headEnd = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0);
    if (headEnd < 0) {
      throw new IllegalStateException("not an HTTP answer: " + new String(all, StandardCharsets.ISO_8859_1));
    }
    String[] lines = new String(all, 0, headEnd, StandardCharsets.ISO_8859_1).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, List<String>> headers = new TreeMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.computeIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(lines[i].substring(colon + 1).trim());
    }
    byte[] body = Arrays.copyOfRange(all, headEnd + 4, all.length);
    List<String> te = headers.get("transfer-encoding");
    if (te != null && te.get(0).equalsIgnoreCase("chunked")) {
      body = dechunk(body);
    }
    return new Answer(status, headers, body);
  }

  private static byte[] dechunk(byte[] chunked) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int at = 0;
    byte[] crlf = "\r\n".getBytes(StandardCharsets.ISO_8859_1);
    while (at < chunked.length) {
      int lineEnd = indexOf(chunked, crlf, at);
      String sizeText = new String(chunked, at, lineEnd - at, StandardCharsets.ISO_8859_1).split(";")[0].trim();
      int size = Integer.parseInt(sizeText, 16);
      if (size == 0) {
        break;
      }
      out.write(chunked, lineEnd + 2, size);
      at = lineEnd + 2 + size + 2;
    }
    return out.toByteArray();
  }

  private static int indexOf(byte[] data, byte[] what, int from) {
    outer:
    for (int i = from; i <= data.length - what.length; i++) {
      for (int j = 0; j < what.length; j++) {
        if (data[i + j] != what[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
