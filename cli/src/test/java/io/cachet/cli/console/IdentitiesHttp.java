package io.cachet.cli.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A browser session with a running console, as the page's scripts make one: the link followed
 * once for the session cookie, the CSRF token from the redirect's fragment, sent on every API request.
 * Keeps every answer's body, so a test can check that none carries a secret.
 */
final class IdentitiesHttp {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  /** One answer: status, body and headers. */
  record Answer(int status, String body, HttpResponse<String> raw) {
    JsonObject json() {
      return new JsonObject(body);
    }

    JsonObject error() {
      return json().getJsonObject("error");
    }

    String reason() {
      return error().getString("reason");
    }
  }

  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(TIMEOUT).build();
  private final String origin;
  private final String cookie;
  private final String csrf;
  final List<String> bodies = new ArrayList<>();

  IdentitiesHttp(ConsoleServer console) throws Exception {
    this.origin = console.origin();
    HttpResponse<String> first = http.send(HttpRequest.newBuilder(console.link()).timeout(TIMEOUT).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(first.statusCode()).isEqualTo(303);
    String set = first.headers().firstValue("set-cookie").orElseThrow();
    this.cookie = set.substring(0, set.indexOf(';'));
    this.csrf = ConsoleHttp.csrfOf(first.headers().firstValue("location").orElseThrow());
  }

  Answer get(String path) throws Exception {
    return send(request(path).GET());
  }

  Answer post(String path, JsonObject body) throws Exception {
    return send(request(path).header(ConsoleGate.CSRF_HEADER, csrf).header("Origin", origin)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode())));
  }

  /** A change without the CSRF token, as a form another site posts would be. */
  Answer postWithoutCsrf(String path, JsonObject body) throws Exception {
    return send(withoutCsrf(path).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())));
  }

  Answer delete(String path) throws Exception {
    return send(request(path).header(ConsoleGate.CSRF_HEADER, csrf).header("Origin", origin).DELETE());
  }

  /** A request as the page makes it: the session cookie and the CSRF token. */
  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = withoutCsrf(path);
    return csrf == null ? b : b.header(ConsoleGate.CSRF_HEADER, csrf);
  }

  /** A request with the session cookie only, as another page's would be. */
  private HttpRequest.Builder withoutCsrf(String path) {
    return HttpRequest.newBuilder(URI.create(origin + path)).timeout(TIMEOUT).header("Cookie", cookie);
  }

  private Answer send(HttpRequest.Builder b) throws Exception {
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    bodies.add(r.body());
    return new Answer(r.statusCode(), r.body(), r);
  }
}
