package io.cachet.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * A file a person named for a command to read (the file to put, a passphrase file, a network
 * descriptor), checked before anything else happens so the failure names the path once and says
 * what to do: a path that does not exist or cannot be read exits 4 ({@link Unreadable}); a
 * directory where a file is wanted is a usage error, exit 2 ({@code IS_A_DIRECTORY}).
 */
public final class InputFile {
  /** The reason code of a named file that does not exist. */
  public static final String NO_SUCH_FILE = "NO_SUCH_FILE";
  /** The reason code of a named file this user may not read. */
  public static final String UNREADABLE_FILE = "UNREADABLE_FILE";
  /** The reason code of a directory named where a file is wanted. */
  public static final String IS_A_DIRECTORY = "IS_A_DIRECTORY";

  private InputFile() {}

  /**
   * {@code path} if it is a regular file this process may read.
   *
   * @param what what the file is for, as the failure's message names it ("the file to put")
   * @param directoryHint what to do instead when {@code path} is a directory
   * @throws Unreadable when it does not exist or cannot be read
   * @throws UsageException when it is a directory
   */
  public static Path regular(Path path, String what, String directoryHint) throws Unreadable {
    String named = what + ", " + path + ",";
    if (!Files.exists(path)) {
      throw new Unreadable(NO_SUCH_FILE, named + " does not exist",
          Files.exists(path, LinkOption.NOFOLLOW_LINKS) ? "It is a link to nothing: check where it points."
              : "Check the path.");
    }
    if (Files.isDirectory(path)) {
      throw new UsageException(IS_A_DIRECTORY, named + " is a directory", directoryHint);
    }
    if (!Files.isReadable(path)) {
      throw new Unreadable(UNREADABLE_FILE, named + " cannot be read (permission denied)",
          "Check its owner and mode.");
    }
    return path;
  }

  /** A named input file that is missing or cannot be read: exit 4, like any I/O that failed. */
  public static final class Unreadable extends IOException {
    private final String reason;
    private final String hint;

    Unreadable(String reason, String message, String hint) {
      super(message);
      this.reason = reason;
      this.hint = hint;
    }

    public String reason() {
      return reason;
    }

    /** What to do about it. */
    public String hint() {
      return hint;
    }
  }
}
