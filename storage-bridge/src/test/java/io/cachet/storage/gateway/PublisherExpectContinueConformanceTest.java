package io.cachet.storage.gateway;

import static io.cachet.storage.gateway.PublisherConformance.assertNewlyCreated;
import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.storage.gateway.PublisherConformance.Form;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Expect: 100-continue} on the publisher's routes, over a raw socket: the head goes out
 * alone, and the test asserts what arrives before any body byte is sent. An upload that will be
 * taken gets {@code HTTP/1.1 100} first, then its answer once the body is sent; a refused one gets
 * its final 4xx at once, and never a 100.
 */
class PublisherExpectContinueConformanceTest {
  private static final long MAX = 256 * 1024;

  @TempDir static Path root;
  private static PublisherConformance gw;

  @BeforeAll
  static void start() throws Exception {
    gw = new PublisherConformance(root, MAX);
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  /** One connection on which a test sends a head, reads what comes, then maybe the body. */
  private static final class Exchange implements AutoCloseable {
    final Socket socket = new Socket();
    final InputStream in;
    final OutputStream out;

    Exchange(String method, String target, List<String> headers) throws IOException {
      socket.connect(new InetSocketAddress("127.0.0.1", gw.port), 10_000);
      socket.setSoTimeout(30_000);
      in = socket.getInputStream();
      out = socket.getOutputStream();
      StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      headers.forEach(h -> head.append(h).append("\r\n"));
      head.append("Expect: 100-continue\r\n\r\n");
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    }

    /** The next answer head's lines, status line first. */
    List<String> head() throws IOException {
      List<String> lines = new ArrayList<>();
      for (String line = line(); !line.isEmpty(); line = line()) {
        lines.add(line);
      }
      return lines;
    }

    /** The body of an answer whose head was {@code head}, by its Content-Length. */
    String body(List<String> head) throws IOException {
      int length = head.stream().filter(h -> h.toLowerCase(Locale.ROOT).startsWith("content-length:"))
          .map(h -> Integer.parseInt(h.substring(15).strip())).findFirst().orElseThrow();
      return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    void send(byte[] body) throws IOException {
      out.write(body);
      out.flush();
    }

    private String line() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          throw new IOException("the connection closed mid-head after " + line);
        }
        if (b != '\r') {
          line.write(b);
        }
      }
      return line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static List<String> blobHeaders(int length) {
    return List.of("Content-Length: " + length, "Content-Type: application/octet-stream");
  }

  @Test
  void blobUpload_getsContinueBeforeTheBody_thenItsAnswer() throws Exception {
    byte[] blob = "sent only after 100 Continue".getBytes(StandardCharsets.UTF_8);
    try (Exchange x = new Exchange("PUT", "/v1/blobs?epochs=2", blobHeaders(blob.length))) {
      assertThat(x.head()).first().asString().startsWith("HTTP/1.1 100");
      x.send(blob);
      List<String> head = x.head();
      assertThat(head.get(0)).startsWith("HTTP/1.1 200");
      assertNewlyCreated(new JsonObject(x.body(head)), blob.length, 2, true);
    }
  }

  @Test
  void badParameters_get400AtOnce_withoutContinue() throws Exception {
    try (Exchange x = new Exchange("PUT", "/v1/blobs?epochs=0", blobHeaders(10))) {
      List<String> head = x.head();
      assertThat(head.get(0)).startsWith("HTTP/1.1 400");
      assertThat(new JsonObject(x.body(head)).getJsonObject("error").getString("message"))
          .startsWith("epochs must be between 1 and 53");
    }
  }

  @Test
  void declaredSizeOverTheLimit_gets413AtOnce_withoutContinue() throws Exception {
    try (Exchange x = new Exchange("PUT", "/v1/blobs", blobHeaders((int) MAX + 1))) {
      List<String> head = x.head();
      assertThat(head.get(0)).startsWith("HTTP/1.1 413");
      assertThat(x.body(head)).contains("TOO_LARGE");
    }
  }

  @Test
  void noFreeUploadSlot_gets429AtOnce_withoutContinue_andTheAdmittedOnesFinish() throws Exception {
    byte[] one = "first admitted upload".getBytes(StandardCharsets.UTF_8);
    byte[] two = "second admitted upload".getBytes(StandardCharsets.UTF_8);
    try (Exchange a = new Exchange("PUT", "/v1/blobs", blobHeaders(one.length));
        Exchange b = new Exchange("PUT", "/v1/blobs", blobHeaders(two.length))) {
      assertThat(a.head().get(0)).startsWith("HTTP/1.1 100");
      assertThat(b.head().get(0)).startsWith("HTTP/1.1 100");
      try (Exchange c = new Exchange("PUT", "/v1/blobs", blobHeaders(5))) {
        List<String> head = c.head();
        assertThat(head.get(0)).startsWith("HTTP/1.1 429");
        assertThat(head).anyMatch(h -> h.equalsIgnoreCase("Retry-After: 1"));
        assertThat(c.body(head)).contains("TOO_MANY_UPLOADS");
      }
      a.send(one);
      b.send(two);
      assertThat(a.head().get(0)).startsWith("HTTP/1.1 200");
      assertThat(b.head().get(0)).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void quiltUpload_getsContinueBeforeTheBody_thenItsAnswer() throws Exception {
    byte[] form = new Form().file("only", "one file".getBytes(StandardCharsets.UTF_8)).bytes();
    try (Exchange x = new Exchange("PUT", "/v1/quilts?epochs=1", List.of("Content-Length: " + form.length,
        "Content-Type: multipart/form-data; boundary=" + Form.BOUNDARY))) {
      assertThat(x.head().get(0)).startsWith("HTTP/1.1 100");
      x.send(form);
      List<String> head = x.head();
      assertThat(head.get(0)).startsWith("HTTP/1.1 200");
      JsonObject answer = new JsonObject(x.body(head));
      assertThat(answer.getJsonArray("storedQuiltBlobs").getJsonObject(0).getString("identifier")).isEqualTo("only");
    }
  }

  @Test
  void quiltWithABadVersion_gets400AtOnce_withoutContinue() throws Exception {
    try (Exchange x = new Exchange("PUT", "/v1/quilts?quilt_version=v2", List.of("Content-Length: 100",
        "Content-Type: multipart/form-data; boundary=" + Form.BOUNDARY))) {
      List<String> head = x.head();
      assertThat(head.get(0)).startsWith("HTTP/1.1 400");
      assertThat(x.body(head)).contains("quilt_version v2 is not supported");
    }
  }

  @Test
  void quiltThatIsNotAForm_gets400AtOnce_withoutContinue() throws Exception {
    try (Exchange x = new Exchange("PUT", "/v1/quilts", blobHeaders(10))) {
      List<String> head = x.head();
      assertThat(head.get(0)).startsWith("HTTP/1.1 400");
      assertThat(x.body(head)).contains("multipart/form-data");
    }
  }
}
