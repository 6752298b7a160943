package io.cachet.cli;

import java.io.Console;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine.Option;

/**
 * Where an identity's passphrase comes from, in this order: {@code --passphrase-file}, the
 * {@code CACHET_PASSPHRASE} environment variable, a prompt on the terminal. Never a command-line
 * argument: those show in the process list and the shell history.
 */
public final class PassphraseOptions {
  public static final String ENV = "CACHET_PASSPHRASE";

  @Option(names = "--passphrase-file", paramLabel = "FILE",
      description = "Read the passphrase from the first line of FILE (else $" + ENV + ", else a prompt).")
  Path file;

  /** Whether a source other than the terminal is given: the file option or the environment variable. */
  public boolean given() {
    String env = Invocation.current().env(ENV);
    return file != null || (env != null && !env.isEmpty());
  }

  /**
   * The passphrase; the caller zeroes it when done. {@code confirm} asks twice on a terminal.
   *
   * @throws InputFile.Unreadable when {@code --passphrase-file} names no readable file (exit 4)
   */
  public char[] read(String purpose, boolean confirm) throws IOException {
    Invocation run = Invocation.current();
    if (file != null) {
      return fromFile(run.cwd().resolve(file));
    }
    String env = run.env(ENV);
    if (env != null && !env.isEmpty()) {
      return env.toCharArray();
    }
    Console console = run.interactive() ? System.console() : null;
    if (console == null) {
      throw new UsageException("no passphrase for " + purpose + ": give --passphrase-file FILE or set $" + ENV
          + " (there is no terminal to ask on)");
    }
    char[] first = console.readPassword("Passphrase for %s: ", purpose);
    if (first == null || first.length == 0) {
      throw new UsageException("an empty passphrase is not accepted");
    }
    if (confirm) {
      char[] again = console.readPassword("Same passphrase again: ");
      boolean same = Arrays.equals(first, again);
      if (again != null) {
        Arrays.fill(again, '\0');
      }
      if (!same) {
        Arrays.fill(first, '\0');
        throw new UsageException("the two passphrases differ");
      }
    }
    return first;
  }

  /**
   * The first line of {@code file}, as UTF-8 characters; the caller zeroes them when done.
   *
   * @throws UsageException if the first line is empty
   */
  public static char[] fromFile(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(InputFile.regular(file, "the passphrase file",
        "Give the file that holds the passphrase on its first line."));
    try {
      int end = 0;
      while (end < bytes.length && bytes[end] != '\n' && bytes[end] != '\r') {
        end++;
      }
      if (end == 0) {
        throw new UsageException("the passphrase file " + file + " starts with an empty line");
      }
      CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(bytes, 0, end));
      char[] out = new char[chars.remaining()];
      chars.get(out);
      Arrays.fill(chars.array(), '\0');
      return out;
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }
}
