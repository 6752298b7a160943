package io.cachet.cli.blob;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.cli.UsageException;
import io.cachet.common.io.DurableFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The local blob index: what this state directory stored, one small JSON file per blob in
 * {@code HOME/blobs/} (0700), named {@code BLOB_ID.json} (0600), format {@link BlobEntry#FORMAT}.
 *
 * <p>Rules, relied on by {@code put}, {@code ls}, {@code extend} and {@code rm}:
 * <ol>
 *   <li>Each entry is written whole through {@link DurableFiles#write} (a temporary sibling,
 *       fsync, atomic rename, directory fsync): a crash leaves the old entry or the new one, and
 *       at most a hidden {@code .BLOB_ID.json.tmp}, which readers ignore.
 *   <li>Two commands writing at once touch different files, or the same file whole: the last
 *       rename wins, and both wrote the same blob's facts.
 *   <li>A file that cannot be read as an entry (torn by a copy, edited, another format) is a
 *       {@link Problem}: listed with what is wrong, skipped, never fatal, never deleted.
 * </ol>
 */
public final class BlobIndex {
  /** Index directory under the state directory. */
  public static final String DIRECTORY = "blobs";
  /** An entry file's suffix. */
  private static final String SUFFIX = ".json";
  /** The largest entry file read; a larger one is a problem, not a read of unbounded size. */
  private static final long MAX_ENTRY_BYTES = 64 * 1024;
  /** A blob id as a file name: 43 characters of URL-safe base64. */
  private static final Pattern BLOB_ID = Pattern.compile("[A-Za-z0-9_-]{43}");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** An index file that could not be read as an entry. */
  public record Problem(Path file, String what) {}

  /** Every entry that read, and every file that did not. */
  public record Listing(List<BlobEntry> entries, List<Problem> problems) {}

  private final Path dir;

  public BlobIndex(Path home) {
    this.dir = home.resolve(DIRECTORY);
  }

  public Path directory() {
    return dir;
  }

  /** Records (or replaces) a blob's entry, durably and privately. */
  public void record(BlobEntry entry) throws IOException {
    DurableFiles.privateDirectory(dir);
    byte[] bytes = MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(entry.toJson());
    DurableFiles.write(fileOf(entry.blobId()), bytes, true);
  }

  /** The entry of {@code blobId}, if this index has one that reads. */
  public Optional<BlobEntry> find(String blobId) throws IOException {
    Path file = fileOf(blobId);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(read(file));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * The blob id a blob id or a share token names (a token's own, which this index may also hold),
   * or empty when {@code blobOrToken} is neither.
   */
  public static Optional<String> blobIdOf(String blobOrToken) {
    if (ShareToken.looksLikeToken(blobOrToken)) {
      try {
        blobOrToken = ShareToken.decode(blobOrToken).blobId();
      } catch (UsageException e) {
        return Optional.empty();
      }
    }
    return BLOB_ID.matcher(blobOrToken).matches() ? Optional.of(blobOrToken) : Optional.empty();
  }

  /** Forgets a blob: removes its entry; false if there was none. */
  public boolean forget(String blobId) throws IOException {
    try {
      Files.delete(fileOf(blobId));
    } catch (NoSuchFileException e) {
      return false;
    }
    DurableFiles.syncDirectory(dir);
    return true;
  }

  /** Every entry, oldest first, and the files that could not be read. An absent index is empty. */
  public Listing list() throws IOException {
    List<BlobEntry> entries = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return new Listing(entries, problems);
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, f -> {
      String name = f.getFileName().toString();
      return name.endsWith(SUFFIX) && !name.startsWith(".");
    })) {
      for (Path f : files) {
        try {
          entries.add(read(f));
        } catch (IllegalArgumentException e) {
          problems.add(new Problem(f, e.getMessage()));
        } catch (IOException e) {
          problems.add(new Problem(f, "could not be read (" + e.getClass().getSimpleName() + ")"));
        }
      }
    }
    entries.sort(Comparator.comparing(BlobEntry::storedAt).thenComparing(BlobEntry::blobId));
    problems.sort(Comparator.comparing(Problem::file));
    return new Listing(entries, problems);
  }

  private BlobEntry read(Path file) throws IOException {
    if (Files.size(file) > MAX_ENTRY_BYTES) {
      throw new IllegalArgumentException("larger than an index entry can be");
    }
    String name = file.getFileName().toString();
    String expected = name.substring(0, name.length() - SUFFIX.length());
    BlobEntry e;
    try {
      e = BlobEntry.fromJson(MAPPER.readTree(new String(Files.readAllBytes(file), StandardCharsets.UTF_8)));
    } catch (JsonProcessingException ex) {
      throw new IllegalArgumentException("not valid JSON (torn or edited)");
    }
    if (!e.blobId().equals(expected)) {
      throw new IllegalArgumentException("names blob " + e.blobId() + " but is the file of " + expected);
    }
    return e;
  }

  private Path fileOf(String blobId) {
    if (!BLOB_ID.matcher(blobId).matches()) {
      throw new IllegalArgumentException("not a blob id: " + blobId);
    }
    return dir.resolve(blobId + SUFFIX);
  }
}
