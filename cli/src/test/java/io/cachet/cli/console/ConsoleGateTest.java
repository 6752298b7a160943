package io.cachet.cli.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's gate, over real HTTP on loopback as any program on the machine could speak it:
 * without the link's cookie nothing is served; the link works once and leaves the address; a
 * foreign Host (DNS rebinding) is refused even with the session; a change without the CSRF token
 * or from a foreign origin is refused; every answer carries the CSP and nosniff; and nothing
 * listens on the machine's other addresses.
 */
class ConsoleGateTest {
  @TempDir Path home;
  ConsoleServer server;

  @BeforeEach
  void start() throws Exception {
    server = ConsoleServer.start(new ConsoleServer.Options(home, null, 0, Map.of()));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void pagesAndApi_withoutSession_areRefusedNoSession() throws Exception {
    ConsoleHttp nobody = ConsoleHttp.anonymous(server);
    for (String path : List.of("/", "/index.html", "/app.js", "/api.js", "/console.css", "/api/session",
        "/api/identities", "/api/files", "/api/nothing-here")) {
      ConsoleHttp.Answer a = nobody.get(path);
      assertThat(a.status()).as(path).isEqualTo(401);
      assertThat(a.reason()).as(path).isEqualTo("NO_SESSION");
      assertThat(a.text()).as("%s serves nothing of the console", path).doesNotContain("import ")
          .doesNotContain("csrf\"");
    }
    ConsoleHttp.Answer change = nobody.send("POST", "/api/contacts", Map.of("Content-Type", "application/json"),
        "{\"name\":\"mallory\",\"address\":\"0x00\"}".getBytes());
    assertThat(change.status()).isEqualTo(401);
    assertThat(change.reason()).isEqualTo("NO_SESSION");
  }

  @Test
  void cookieAlone_getsNoApiAnswer_andNoCsrfToken() throws Exception {
    // a browser sends cookies for 127.0.0.1 to every port of it: another server there may hold this one
    ConsoleHttp session = ConsoleHttp.open(server);
    ConsoleHttp cookieOnly = ConsoleHttp.withSession(server, session.cookie(), null);
    for (String path : List.of("/api/session", "/api/identities", "/api/contacts", "/api/files", "/api/network")) {
      ConsoleHttp.Answer a = cookieOnly.get(path);
      assertThat(a.status()).as(path).isEqualTo(403);
      assertThat(a.reason()).as(path).isEqualTo("CSRF");
      assertThat(a.text()).as(path).doesNotContain(session.csrf());
    }
    assertThat(session.get("/api/session").text()).as("the session answer does not hand the token out")
        .doesNotContain(session.csrf());
  }

  @Test
  void change_withTheCsrfTokenOnlyInTheQuery_isRefused() throws Exception {
    ConsoleHttp session = ConsoleHttp.open(server);
    ConsoleHttp.Answer a = session.send("POST", "/api/contacts?csrf=" + session.csrf(),
        Map.of("Content-Type", "application/json", "Origin", server.origin()),
        "{\"name\":\"mallory\",\"address\":\"0x00\"}".getBytes());
    assertThat(a.status()).isEqualTo(403);
    assertThat(a.reason()).isEqualTo("CSRF");
  }

  @Test
  void apiRefusal_withoutSession_isTheOneErrorShape() throws Exception {
    ConsoleHttp.Answer a = ConsoleHttp.anonymous(server).get("/api/session");
    JsonObject error = a.json().getJsonObject("error");
    assertThat(error.getInteger("code")).isEqualTo(401);
    assertThat(error.getString("message")).isNotBlank().doesNotContain(home.toString());
    assertThat(error.getJsonArray("details").getJsonObject(0).getString("reason")).isEqualTo("NO_SESSION");
    assertThat(a.header("content-type")).startsWith("application/json");
  }

  @Test
  void link_worksOnce_andASecondUseIsRefusedBadToken() throws Exception {
    ConsoleHttp first = ConsoleHttp.open(server);
    assertThat(first.get("/api/session").status()).isEqualTo(200);

    ConsoleHttp.Answer again = ConsoleHttp.anonymous(server)
        .send("GET", "/?" + server.link().getRawQuery(), Map.of(), null);
    assertThat(again.status()).isEqualTo(401);
    assertThat(again.reason()).isEqualTo("BAD_TOKEN");
    assertThat(again.header("set-cookie")).as("no second session").isNull();
    assertThat(first.get("/api/session").status()).as("the first session still works").isEqualTo(200);
  }

  @Test
  void link_withWrongToken_isRefusedBadToken_andGivesNoSession() throws Exception {
    String good = server.link().getRawQuery().substring("token=".length());
    String wrong = (good.charAt(0) == 'A' ? 'B' : 'A') + good.substring(1);
    for (String token : List.of(wrong, "", "x", good + "x", good.substring(1))) {
      ConsoleHttp.Answer a = ConsoleHttp.anonymous(server).send("GET", "/?token=" + token, Map.of(), null);
      assertThat(a.status()).as("token '%s'", token).isEqualTo(401);
      assertThat(a.header("set-cookie")).isNull();
    }
    assertThat(ConsoleHttp.anonymous(server).send("GET", "/?token=" + wrong, Map.of(), null).reason())
        .isEqualTo("BAD_TOKEN");
    // guesses do not spend the real link
    assertThat(ConsoleHttp.open(server).get("/api/session").status()).isEqualTo(200);
  }

  @Test
  void link_redirectsToTheBarePage_andTheCookieIsHttpOnlyStrict() throws Exception {
    ConsoleHttp.Answer a = ConsoleHttp.anonymous(server)
        .send("GET", server.link().getRawPath() + "?" + server.link().getRawQuery(), Map.of(), null);
    assertThat(a.status()).isEqualTo(303);
    assertThat(a.header("location")).as("the CSRF token only in the fragment, which no server receives")
        .startsWith("/#csrf=").doesNotContain("token");
    String cookie = a.header("set-cookie");
    assertThat(cookie).startsWith("cachet_console_" + server.port() + "=").containsIgnoringCase("HttpOnly")
        .containsIgnoringCase("SameSite=Strict").doesNotContain(server.link().getRawQuery().substring(6));
    assertThat(server.link().getHost()).isEqualTo("127.0.0.1");
    assertThat(a.header("content-security-policy")).isEqualTo(ConsoleGate.CONTENT_SECURITY_POLICY);
    assertThat(a.header("x-content-type-options")).isEqualTo("nosniff");
  }

  @Test
  void foreignHost_isRefusedForeignHost_evenWithTheSession() throws Exception {
    ConsoleHttp session = ConsoleHttp.open(server);
    int other = server.port() == 65_535 ? 65_534 : server.port() + 1;
    for (String host : List.of("evil.example:" + server.port(), "evil.example", "127.0.0.1:" + other,
        "127.0.0.1", "localhost.evil.example:" + server.port(), "127.0.0.2:" + server.port(),
        "[::1]:" + server.port(), "0.0.0.0:" + server.port())) {
      for (String path : List.of("/", "/api/session", "/app.js")) {
        ConsoleHttp.Answer a = session.raw("GET", path, host, Map.of());
        assertThat(a.status()).as("Host %s, %s", host, path).isEqualTo(403);
        assertThat(a.reason()).as("Host %s, %s", host, path).isEqualTo("FOREIGN_HOST");
        assertThat(a.text()).doesNotContain(session.csrf());
      }
    }
    ConsoleHttp.Answer change = session.raw("POST", "/api/contacts", "evil.example:" + server.port(),
        Map.of(ConsoleGate.CSRF_HEADER, session.csrf(), "Origin", "http://evil.example:" + server.port()));
    assertThat(change.status()).isEqualTo(403);
    assertThat(change.reason()).isEqualTo("FOREIGN_HOST");
  }

  @Test
  void missingOrMalformedHost_isRefusedForeignHost_withTheGatesHeaders() throws Exception {
    ConsoleHttp session = ConsoleHttp.open(server);
    List<String> hosts = new ArrayList<>(List.of("", "a b", "127.0.0.1:port", "127.0.0.1:" + server.port()
        + ":1"));
    hosts.add(null);
    for (String host : hosts) {
      for (String path : List.of("/api/session", "/")) {
        ConsoleHttp.Answer a = session.raw("GET", path, host, Map.of());
        assertThat(a.status()).as("Host '%s' %s: %s", host, path, a).isEqualTo(403);
        assertThat(a.reason()).as("Host '%s' %s", host, path).isEqualTo("FOREIGN_HOST");
        assertThat(a.header("content-security-policy")).isEqualTo(ConsoleGate.CONTENT_SECURITY_POLICY);
        assertThat(a.header("x-content-type-options")).isEqualTo("nosniff");
      }
    }
  }

  @Test
  void ownHost_byEitherName_isServed() throws Exception {
    ConsoleHttp session = ConsoleHttp.open(server);
    Map<String, String> token = Map.of(ConsoleGate.CSRF_HEADER, session.csrf());
    for (String host : List.of("127.0.0.1", "localhost", "LOCALHOST")) {
      assertThat(session.raw("GET", "/api/session", host + ":" + server.port(), token).status()).as(host).isEqualTo(200);
    }
  }

  @Test
  void change_withoutCsrf_withWrongCsrf_orFromForeignOrigin_isRefusedCsrf() throws Exception {
    ConsoleHttp session = ConsoleHttp.open(server);
    byte[] body = "{\"name\":\"mallory\",\"address\":\"0x00\"}".getBytes();
    String own = server.origin();
    String csrf = session.csrf();
    String wrong = (csrf.charAt(0) == 'A' ? 'B' : 'A') + csrf.substring(1);
    List<Map<String, String>> hostile = List.of(
        Map.of("Content-Type", "application/json"),
        Map.of("Content-Type", "application/json", "Origin", own),
        Map.of("Content-Type", "application/json", "Origin", own, ConsoleGate.CSRF_HEADER, wrong),
        Map.of("Content-Type", "application/json", "Origin", own, ConsoleGate.CSRF_HEADER, ""),
        Map.of("Content-Type", "application/json", "Origin", "http://evil.example", ConsoleGate.CSRF_HEADER, csrf),
        Map.of("Content-Type", "application/json", "Origin", "null", ConsoleGate.CSRF_HEADER, csrf),
        Map.of("Content-Type", "application/json", "Origin", "http://127.0.0.1:" + (server.port() + 1),
            ConsoleGate.CSRF_HEADER, csrf),
        Map.of("Content-Type", "text/plain", "Origin", "http://evil.example"),
        Map.of("Content-Type", "application/x-www-form-urlencoded", "Origin", "http://evil.example"));
    for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
      for (Map<String, String> headers : hostile) {
        ConsoleHttp.Answer a = session.send(method, "/api/contacts", headers, body);
        assertThat(a.status()).as("%s with %s", method, headers).isEqualTo(403);
        assertThat(a.reason()).as("%s with %s", method, headers).isEqualTo("CSRF");
      }
    }
    // the token in the query is only for downloads' GETs; a change is no more allowed with it there
    ConsoleHttp.Answer query = session.send("POST", "/api/contacts?csrf=" + wrong,
        Map.of("Content-Type", "application/json", "Origin", own), body);
    assertThat(query.reason()).isEqualTo("CSRF");
  }

  @Test
  void change_withCsrfAndOwnOrigin_passesTheGate() throws Exception {
    ConsoleHttp session = ConsoleHttp.open(server);
    ConsoleHttp.Answer a = session.post("/api/no-such-change", new JsonObject());
    assertThat(a.status()).as(a.toString()).isEqualTo(404);
    assertThat(a.reason()).isEqualTo("NO_SUCH_ROUTE");
    ConsoleHttp.Answer viaLocalhost = session.send("POST", "/api/no-such-change", Map.of(ConsoleGate.CSRF_HEADER,
        session.csrf(), "Origin", "http://localhost:" + server.port()), new byte[0]);
    assertThat(viaLocalhost.reason()).isEqualTo("NO_SUCH_ROUTE");
  }

  @Test
  void everyAnswer_carriesTheCspAndNosniff() throws Exception {
    ConsoleHttp nobody = ConsoleHttp.anonymous(server);
    ConsoleHttp session = ConsoleHttp.open(server);
    ConsoleHttp.Answer spent = nobody.send("GET", "/?" + server.link().getRawQuery(), Map.of(), null);
    List<ConsoleHttp.Answer> answers = List.of(spent,
        nobody.get("/"), nobody.get("/api/session"),
        session.get("/"), session.get("/index.html"), session.get("/app.js"), session.get("/console.css"),
        session.get("/api/session"), session.get("/api/nothing-here"), session.get("/no-such-file.js"),
        session.send("POST", "/api/contacts", Map.of(), new byte[0]),
        session.raw("GET", "/", "evil.example:" + server.port(), Map.of()));
    for (ConsoleHttp.Answer a : answers) {
      assertThat(a.header("content-security-policy")).as(a.toString()).isEqualTo(ConsoleGate.CONTENT_SECURITY_POLICY)
          .contains("script-src 'self'").contains("frame-ancestors 'none'").doesNotContain("unsafe");
      assertThat(a.header("x-content-type-options")).as(a.toString()).isEqualTo("nosniff");
    }
    assertThat(session.get("/app.js").header("content-type")).contains("javascript");
  }

  @Test
  void server_listensOnLoopbackOnly() throws Exception {
    Optional<InetAddress> other = otherAddress();
    Assumptions.assumeTrue(other.isPresent(), "this machine has no address but loopback");
    ConsoleHttp nobody = ConsoleHttp.anonymous(server);
    assertThatThrownBy(() -> nobody.raw(other.get(), server.port(), "GET", "/", "127.0.0.1:" + server.port(),
        Map.of())).as("a connection to %s:%d", other.get(), server.port())
        .isInstanceOfAny(ConnectException.class, SocketTimeoutException.class, SocketException.class);
    // the control: something listening on every address is reachable there, so the refusal means something
    try (ServerSocket any = new ServerSocket(0)) {
      try (Socket s = new Socket(other.get(), any.getLocalPort())) {
        assertThat(s.isConnected()).isTrue();
      }
    }
  }

  /** A non-loopback address of this machine, preferring IPv4. */
  private static Optional<InetAddress> otherAddress() throws SocketException {
    InetAddress v6 = null;
    for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nif.isUp() || nif.isLoopback()) {
        continue;
      }
      for (InetAddress a : Collections.list(nif.getInetAddresses())) {
        if (a.isLoopbackAddress() || a.isLinkLocalAddress()) {
          continue;
        }
        if (a instanceof Inet4Address) {
          return Optional.of(a);
        }
        if (a instanceof Inet6Address && v6 == null) {
          v6 = a;
        }
      }
    }
    return Optional.ofNullable(v6);
  }
}
