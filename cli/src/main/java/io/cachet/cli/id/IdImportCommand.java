package io.cachet.cli.id;

import io.cachet.cli.CachetHome;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.InputFile;
import io.cachet.cli.PassphraseOptions;
import io.cachet.cli.UsageException;
import io.cachet.crypto.EvmIdentity;
import io.cachet.crypto.Keystore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "import",
    description = {"Keep an existing secp256k1 key as an identity.",
        "The key (a wallet's, or anvil's) becomes identity NAME, encrypted under a passphrase in"
            + " HOME/ids/NAME.json. The key file holds 64 hex digits, with or without 0x. Keep it 0600 (a warning"
            + " says when it is not), and delete it once imported."},
    footer = {"", "Examples:", "  cachet id import dave --evm-key-file dave.key",
        "  cachet id import dev0 --evm-key-file anvil0.key --default --json"})
final class IdImportCommand implements Callable<Integer> {
  /** Longest key file read: 64 hex digits, a 0x, white space and a comment-free line end fit easily. */
  private static final int MAX_KEY_FILE_BYTES = 256;

  /** Permissions that make a raw key file readable or writable by others than its owner. */
  private static final Set<PosixFilePermission> NOT_OWNER = EnumSet.of(PosixFilePermission.GROUP_READ,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

  @Spec CommandSpec spec;
  @Mixin CachetHome home;
  @Mixin PassphraseOptions passphrase;

  @Parameters(paramLabel = "NAME", description = "1-32 characters of a-z, 0-9, '-' and '_'.")
  String name;

  @Option(names = "--evm-key-file", paramLabel = "FILE", required = true,
      description = "A raw secp256k1 private key as hex (never on the command line: it would show in the process list).")
  Path keyFile;

  @Option(names = "--default", description = "Make it the default identity.")
  boolean makeDefault;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    IdentityStore store = new IdentityStore(home.ids());
    IdentityStore.checkName(name);
    warnIfShared(keyFile);
    EvmIdentity key = readKey(keyFile);
    IdentityStore.Entry e;
    try {
      char[] pass = passphrase.read("the imported identity '" + name + "'", true);
      try {
        e = store.importEvm(name, key, pass, Keystore.KdfParams.DEFAULT, new SecureRandom());
      } finally {
        Arrays.fill(pass, '\0');
      }
    } finally {
      key.destroy();
    }
    if (makeDefault && !e.isDefault()) {
      store.setDefault(name);
      e = store.show(name);
    }
    IdShowCommand.print(spec.commandLine().getOut(), e, json, "imported");
    return ExitCodes.OK;
  }

  private void warnIfShared(Path file) throws IOException {
    InputFile.regular(file, "the key file", "Give the file that holds the key: 64 hex digits, with or without 0x.");
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (perms.stream().anyMatch(NOT_OWNER::contains)) {
        spec.commandLine().getErr().println("warning: " + file + " can be read or written by others than its owner"
            + " (" + PosixFilePermissions.toString(perms) + "); a raw key belongs in a 0600"
            + " file, and in none once imported");
      }
    } catch (UnsupportedOperationException notPosix) {
      // no POSIX permissions to check on this file system
    }
  }

  /** Parses the key without making a String of it, so the copies that exist can be zeroed. */
  private static EvmIdentity readKey(Path file) throws IOException {
    if (Files.size(file) > MAX_KEY_FILE_BYTES) {
      throw new UsageException(file + " is not a raw key file (it is over " + MAX_KEY_FILE_BYTES + " bytes)");
    }
    byte[] text = Files.readAllBytes(file);
    byte[] key = new byte[EvmIdentity.KEY_LENGTH];
    try {
      int start = 0;
      int end = text.length;
      while (start < end && Character.isWhitespace(text[start])) {
        start++;
      }
      while (end > start && Character.isWhitespace(text[end - 1])) {
        end--;
      }
      if (end - start >= 2 && text[start] == '0' && (text[start + 1] == 'x' || text[start + 1] == 'X')) {
        start += 2;
      }
      if (end - start != 2 * EvmIdentity.KEY_LENGTH) {
        throw new UsageException(file + " does not hold a secp256k1 private key: expected 64 hex digits, with or"
            + " without 0x");
      }
      for (int i = 0; i < key.length; i++) {
        int hi = Character.digit(text[start + 2 * i], 16);
        int lo = Character.digit(text[start + 2 * i + 1], 16);
        if (hi < 0 || lo < 0) {
          throw new UsageException(file + " does not hold a secp256k1 private key: it has a character that is not"
              + " a hex digit");
        }
        key[i] = (byte) (hi << 4 | lo);
      }
      try {
        return EvmIdentity.fromPrivateKey(key);
      } catch (IllegalArgumentException e) {
        throw new UsageException(file + " does not hold a secp256k1 private key: " + e.getMessage());
      }
    } finally {
      Arrays.fill(text, (byte) 0);
      Arrays.fill(key, (byte) 0);
    }
  }
}
