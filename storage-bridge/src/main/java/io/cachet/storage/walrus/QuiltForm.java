package io.cachet.storage.walrus;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.storage.BlobSource;
import io.cachet.storage.QuiltFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The {@code multipart/form-data} body of {@code PUT /v1/quilts}, as a {@link BlobSource} that
 * streams: the few framing lines are made here, each file's bytes are read from its own source
 * only when the upload reaches them, and a file is opened only after the one before it is done.
 * So an upload holds one piece in memory, never the quilt.
 *
 * <p>Why by hand: Vert.x's {@code MultipartForm} takes parts from files on disk or from buffers
 * in memory, not from a stream, and a quilt's files may be any {@link BlobSource}; the framing is
 * a few lines per part (RFC 7578) and nothing here parses.
 *
 * <p>The form, as Walrus's publisher reads it: a {@code _metadata} text field first when any file
 * has tags ({@code [{"identifier":..,"tags":{..}}]}, only the files that have tags), then one part
 * per file whose field name is its identifier, with {@code filename} the same and
 * {@code Content-Type: application/octet-stream}. The boundary is 32 random hex digits, so it
 * cannot be chosen by whoever chose the files' bytes.
 *
 * <p>The body's length is known when every source knows its own (the upload then sends a
 * {@code Content-Length}); it is repeatable when every source is. A source that delivers more or
 * fewer bytes than it declared fails the upload with a message naming the file.
 */
final class QuiltForm implements BlobSource {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final byte[] CRLF = {'\r', '\n'};

  private final String boundary;
  private final List<QuiltFile> files;
  private final byte[] metadata;
  private final long length;
  private final boolean repeatable;

  QuiltForm(List<QuiltFile> files) {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    this.boundary = "cachet-quilt-" + HexFormat.of().formatHex(b);
    this.files = List.copyOf(files);
    this.metadata = metadataJson(this.files);
    long total = 0;
    for (int i = 0; i <= this.files.size(); i++) {
      total += head(i).length;
    }
    for (QuiltFile f : this.files) {
      long n = f.source().length();
      total = n < 0 || total < 0 ? -1 : total + n + CRLF.length;
    }
    this.length = total;
    this.repeatable = this.files.stream().allMatch(f -> f.source().repeatable());
  }

  /** The Content-Type header naming this body's boundary. */
  String contentType() {
    return "multipart/form-data; boundary=" + boundary;
  }

  @Override
  public long length() {
    return length;
  }

  @Override
  public boolean repeatable() {
    return repeatable;
  }

  @Override
  public InputStream open() {
    return new Parts();
  }

  /** Null when no file has tags, else the {@code _metadata} JSON array. */
  private static byte[] metadataJson(List<QuiltFile> files) {
    if (files.stream().allMatch(f -> f.tags().isEmpty())) {
      return null;
    }
    ArrayNode array = JSON.createArrayNode();
    for (QuiltFile f : files) {
      if (!f.tags().isEmpty()) {
        ObjectNode entry = array.addObject().put("identifier", f.identifier());
        ObjectNode tags = entry.putObject("tags");
        for (Map.Entry<String, String> t : f.tags().entrySet()) {
          tags.put(t.getKey(), t.getValue());
        }
      }
    }
    return array.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * What goes before file {@code i}'s bytes: the boundary and the part's headers (for the first
   * part, the {@code _metadata} field before them); for {@code i == files.size()}, the closing
   * boundary.
   */
  private byte[] head(int i) {
    StringBuilder s = new StringBuilder();
    if (i == 0 && metadata != null) {
      s.append("--").append(boundary).append("\r\n")
          .append("Content-Disposition: form-data; name=\"_metadata\"\r\n")
          .append("Content-Type: application/json\r\n\r\n")
          .append(new String(metadata, StandardCharsets.UTF_8)).append("\r\n");
    }
    if (i == files.size()) {
      return s.append("--").append(boundary).append("--\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }
    String name = files.get(i).identifier();
    s.append("--").append(boundary).append("\r\n")
        .append("Content-Disposition: form-data; name=\"").append(name).append("\"; filename=\"").append(name)
        .append("\"\r\n")
        .append("Content-Type: application/octet-stream\r\n\r\n");
    return s.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The body: heads and files in turn, each file opened when reached and closed when done. */
  private final class Parts extends InputStream {
    /** 2i: head of part i; 2i + 1: file i's bytes then CRLF; past 2 * files.size(): the end. */
    private int step = -1;
    private InputStream current = InputStream.nullInputStream();
    private QuiltFile file;
    private long fileBytes;
    private boolean closed;

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (closed) {
        throw new IOException("the quilt form is closed");
      }
      if (len == 0) {
        return 0;
      }
      while (true) {
        int n = current.read(b, off, len);
        if (n > 0) {
          if (file != null) {
            fileBytes += n;
            checkNotLonger();
          }
          return n;
        }
        if (!advance()) {
          return -1;
        }
      }
    }

    private void checkNotLonger() throws IOException {
      long declared = file.source().length();
      if (declared >= 0 && fileBytes > declared) {
        throw new IOException("quilt file \"" + file.identifier() + "\" delivered more than its declared "
            + declared + " bytes");
      }
    }

    /** Moves to the next piece; false at the end of the body. */
    private boolean advance() throws IOException {
      if (file != null) {
        long declared = file.source().length();
        if (declared >= 0 && fileBytes != declared) {
          throw new IOException("quilt file \"" + file.identifier() + "\" ended after " + fileBytes
              + " of its declared " + declared + " bytes");
        }
        current.close();
        file = null;
        current = new ByteArrayInputStream(CRLF);
        return true;
      }
      current.close();
      step++;
      if (step > 2 * files.size()) {
        current = InputStream.nullInputStream();
        return false;
      }
      if (step % 2 == 0) {
        current = new ByteArrayInputStream(head(step / 2));
        return true;
      }
      file = files.get(step / 2);
      fileBytes = 0;
      current = file.source().open();
      return true;
    }

    @Override
    public void close() throws IOException {
      if (!closed) {
        closed = true;
        current.close();
      }
    }
  }
}
