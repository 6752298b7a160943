package io.cachet.common.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads a growing output file from an offset, one complete line at a time, remembering where it
 * stopped: each call to {@link #find} reads only what was appended since the last. A line is
 * complete once its newline is written; {@code atEnd} also takes a last line without one.
 */
final class OutputScan {
  /** Bytes read from the file at a time. */
  private static final int READ_BYTES = 64 * 1024;
  /** A longer line is cut here, so that a part printing without newlines cannot exhaust memory. */
  static final int MAX_LINE_BYTES = 1 << 20;

  private final Path file;
  private long position;
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

  OutputScan(Path file, long from) {
    this.file = file;
    this.position = from;
  }

  /** The first new line matching {@code pattern}, if any was appended since the last call. */
  Optional<String> find(Pattern pattern, boolean atEnd) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate(READ_BYTES);
      int n;
      while ((n = ch.read(buf, position)) > 0) {
        buf.flip();
        for (int i = 0; i < n; i++) {
          byte b = buf.get(i);
          position++;
          if (b == '\n' || partial.size() >= MAX_LINE_BYTES) {
            String line = line();
            if (pattern.matcher(line).find()) {
              return Optional.of(line);
            }
          }
          if (b != '\n') {
            partial.write(b);
          }
        }
        buf.clear();
      }
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    if (atEnd && partial.size() > 0) {
      String line = line();
      return pattern.matcher(line).find() ? Optional.of(line) : Optional.empty();
    }
    return Optional.empty();
  }

  private String line() {
    String line = partial.toString(StandardCharsets.UTF_8);
    partial.reset();
    return line;
  }
}
