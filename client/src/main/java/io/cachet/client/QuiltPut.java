package io.cachet.client;

import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.SealParameters;
import io.cachet.storage.BlobSource;
import io.cachet.storage.BlobStore;
import io.cachet.storage.QuiltFile;
import io.cachet.storage.QuiltPatch;
import io.cachet.storage.QuiltStoreResult;
import io.cachet.storage.StoreOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Puts several files in one quilt, each sealed as its own envelope: its own data key and object
 * id, under the same policy, so that opening one patch releases only that file's key.
 *
 * <p>Where sealed files wait for the upload: in memory while a file's envelope is at most
 * {@link #IN_MEMORY_FILE_BYTES} and all held so far stay within {@link #IN_MEMORY_TOTAL_BYTES};
 * otherwise in a temporary directory readable by this user only, deleted when the put ends,
 * however it ends. Only ciphertext is written there. The upload streams from these, so a quilt
 * of large files never sits in memory.
 */
final class QuiltPut {
  /** A sealed file up to this size waits in memory: small files are what quilts are for. */
  static final int IN_MEMORY_FILE_BYTES = 1 << 20;
  /** All sealed files waiting in memory together: a bound on a put's heap, whatever the count. */
  static final long IN_MEMORY_TOTAL_BYTES = 32L << 20;

  private QuiltPut() {}

  /**
   * Checks the identifiers as the quilt's store will ({@link QuiltFile#checkQuilt}) before any
   * file is read.
   *
   * @throws IllegalArgumentException naming the identifier and the rule it breaks
   */
  static void checkIdentifiers(Map<String, Path> files) {
    List<QuiltFile> names = new ArrayList<>(files.size());
    files.keySet().forEach(id -> names.add(QuiltFile.of(id, BlobSource.ofBytes(new byte[0]))));
    QuiltFile.checkQuilt(names);
  }

  /** Seals every file under {@code params}, stores them as one quilt, and says where each went. */
  static List<StoredPatch> put(BlobStore store, SealParameters params, SecureRandom random, Map<String, Path> files,
      int epochs, List<SealWarning> warnings) throws IOException, CachetSecurityException {
    Path spill = null;
    try {
      List<QuiltFile> sealed = new ArrayList<>(files.size());
      List<EnvelopeHeader> headers = new ArrayList<>(files.size());
      long inMemory = 0;
      for (Map.Entry<String, Path> f : files.entrySet()) {
        long length = Files.size(f.getValue());
        // The envelope adds a header and a tag per segment; a margin of an eighth covers both for small files.
        long estimate = length + length / 8 + EnvelopeHeader.MAX_HEADER_BYTES;
        EnvelopeHeader header;
        BlobSource source;
        try (InputStream in = Files.newInputStream(f.getValue())) {
          if (estimate <= IN_MEMORY_FILE_BYTES && inMemory + estimate <= IN_MEMORY_TOTAL_BYTES) {
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) estimate);
            header = Envelope.seal(params, in, length, out, random);
            source = BlobSource.ofBytes(out.toByteArray());
            inMemory += out.size();
          } else {
            if (spill == null) {
              spill = Files.createTempDirectory("cachet-quilt-",
                  PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Path sealedFile = spill.resolve(headers.size() + ".envelope");
            try (OutputStream out = Files.newOutputStream(sealedFile)) {
              header = Envelope.seal(params, in, length, out, random);
            }
            source = BlobSource.ofFile(sealedFile);
          }
        }
        headers.add(header);
        sealed.add(QuiltFile.of(f.getKey(), source));
      }
      QuiltStoreResult stored = store.storeQuilt(sealed, StoreOptions.epochs(epochs));
      List<StoredPatch> out = new ArrayList<>(sealed.size());
      for (int i = 0; i < sealed.size(); i++) {
        QuiltPatch patch = stored.patches().get(i);
        EnvelopeHeader h = headers.get(i);
        out.add(new StoredPatch(patch.identifier(), patch.patchId(), h.objectId(), params.policyId(),
            h.plaintextLength(), h.envelopeLength(), stored.blob().endEpoch(), warnings));
      }
      return out;
    } finally {
      if (spill != null) {
        deleteAll(spill);
      }
    }
  }

  private static void deleteAll(Path dir) {
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // Ciphertext left in a private temp directory; the OS's temp cleaning takes it.
        }
      });
    } catch (IOException e) {
      // As above.
    }
  }
}
