package io.cachet.common.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One HTTP/1.1 exchange over a plain socket, bytes as given: what a browser's or an attacker's
 * request looks like on the wire, with headers no HTTP client library lets a caller send (a huge
 * or malformed {@code Origin}, raw bytes). The connection is closed after the answer.
 */
public final class RawHttp {
  /** Longest answer read. */
  private static final int MAX_ANSWER = 1 << 20;

  /**
   * An answer.
   *
   * @param status the status code
   * @param headers each header line, {@code name: value}, as sent
   * @param body the body as text
   */
  public record Answer(int status, List<String> headers, String body) {
    /** Every value of header {@code name} (case-insensitive), in order. */
    public List<String> all(String name) {
      List<String> out = new ArrayList<>();
      String prefix = name.toLowerCase(Locale.ROOT) + ":";
      for (String h : headers) {
        if (h.toLowerCase(Locale.ROOT).startsWith(prefix)) {
          out.add(h.substring(prefix.length()).strip());
        }
      }
      return out;
    }

    /** The first value of header {@code name}, or null. */
    public String header(String name) {
      List<String> all = all(name);
      return all.isEmpty() ? null : all.get(0);
    }

    /** Whether any header's name starts with {@code Access-Control-}. */
    public boolean hasCorsHeaders() {
      return headers.stream().anyMatch(h -> h.toLowerCase(Locale.ROOT).startsWith("access-control-"));
    }
  }

  private RawHttp() {}

  /**
   * Sends {@code method path} to 127.0.0.1:{@code port} with {@code headerLines} (each {@code
   * name: value}) and {@code Connection: close}, and reads the whole answer.
   */
  public static Answer exchange(int port, String method, String path, List<String> headerLines, byte[] body)
      throws IOException {
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n");
    for (String h : headerLines) {
      head.append(h).append("\r\n");
    }
    if (body != null) {
      head.append("Content-Length: ").append(body.length).append("\r\n");
    }
    head.append("Connection: close\r\n\r\n");
    request.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    if (body != null) {
      request.write(body);
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(request.toByteArray());
      out.flush();
      return parse(readAll(s.getInputStream()), method.equals("HEAD"));
    }
  }

  /** As {@link #exchange(int, String, String, List, byte[])}, without a body. */
  public static Answer exchange(int port, String method, String path, String... headerLines) throws IOException {
    return exchange(port, method, path, List.of(headerLines), null);
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int n;
    while ((n = in.read(buf)) >= 0) {
      all.write(buf, 0, n);
      if (all.size() > MAX_ANSWER) {
        throw new IOException("answer over " + MAX_ANSWER + " bytes");
      }
    }
    return all.toByteArray();
  }

  private static Answer parse(byte[] raw, boolean head) throws IOException {
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      throw new IOException("no complete answer head in " + raw.length + " bytes");
    }
    String[] lines = text.substring(0, end).split("\r\n");
    String[] status = lines[0].split(" ", 3);
    List<String> headers = new ArrayList<>(List.of(lines).subList(1, lines.length));
    String body = head ? "" : new String(raw, end + 4, raw.length - end - 4, StandardCharsets.UTF_8);
    return new Answer(Integer.parseInt(status[1]), headers, body);
  }
}
