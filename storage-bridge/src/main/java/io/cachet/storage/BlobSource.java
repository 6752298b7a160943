package io.cachet.storage;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bytes to store. A repeatable source can be opened again, so an upload the network answered
 * with a retryable error (429, 503, 504) is sent again; a one-shot stream is not retried.
 */
public interface BlobSource {
  InputStream open() throws IOException;

  /** Length in bytes, or -1 when unknown (the upload is then chunked). */
  long length();

  boolean repeatable();

  static BlobSource ofFile(Path file) throws IOException {
    long size = Files.size(file);
    return new BlobSource() {
      public InputStream open() throws IOException {
        return Files.newInputStream(file);
      }

      public long length() {
        return size;
      }

      public boolean repeatable() {
        return true;
      }
    };
  }

  static BlobSource ofBytes(byte[] bytes) {
    byte[] copy = bytes.clone();
    return new BlobSource() {
      public InputStream open() {
        return new ByteArrayInputStream(copy);
      }

      public long length() {
        return copy.length;
      }

      public boolean repeatable() {
        return true;
      }
    };
  }

  /** A stream that can be read once; {@code length} may be -1. */
  static BlobSource ofStream(InputStream in, long length) {
    return new BlobSource() {
      private boolean opened;

      public synchronized InputStream open() throws IOException {
        if (opened) {
          throw new IOException("a one-shot stream source cannot be read twice");
        }
        opened = true;
        return in;
      }

      public long length() {
        return length;
      }

      public boolean repeatable() {
        return false;
      }
    };
  }
}
