package io.cachet.common.config;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * What a part checks before it starts, so that a bad or unsafe configuration is refused at once
 * with the key to change, instead of failing later or running unsafely. Every refusal is a
 * {@link ConfigException} naming the key.
 */
public final class StartupChecks {
  private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  private StartupChecks() {}

  /**
   * A key or passphrase file: it must exist, be a regular file, and be neither readable nor
   * writable by anyone but its owner (a key others can read is a key others may hold).
   */
  public static void privateFile(Path file, String key) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(key + ": " + file + " is not a file" + (Files.exists(file) ? "" : " (it does not"
          + " exist)"));
    }
    Set<PosixFilePermission> mode;
    try {
      mode = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
    } catch (UnsupportedOperationException e) {
      return; // not a POSIX file system: nothing to check
    } catch (IOException e) {
      throw new ConfigException(key + ": cannot read the permissions of " + file + ": " + e.getMessage(), e);
    }
    Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
    open.addAll(mode);
    open.retainAll(OTHERS);
    if (!open.isEmpty()) {
      throw new ConfigException(key + ": " + file + " is open to others (mode "
          + PosixFilePermissions.toString(mode) + "); it holds a secret: chmod 600 " + file);
    }
  }

  /**
   * A data directory: it must exist and be writable. It is not created: a mistyped path must not
   * start an empty part beside the real one.
   */
  public static void directory(Path dir, String key) {
    if (!Files.isDirectory(dir)) {
      throw new ConfigException(key + ": " + dir + (Files.exists(dir) ? " is not a directory"
          : " does not exist; create it (mkdir -m 700 " + dir + ") or correct the path"));
    }
    if (!Files.isWritable(dir)) {
      throw new ConfigException(key + ": " + dir + " is not writable by this user");
    }
  }

  /**
   * A port to listen on: free now (port 0, any free port, always passes).
   *
   * @throws PortInUseException naming the key when the port cannot be bound
   */
  public static void portFree(String host, int port, String key) {
    if (port == 0) {
      return;
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(host, port));
    } catch (IOException e) {
      throw new PortInUseException(key + ": " + host + ":" + port + " cannot be listened on (" + e.getMessage()
          + "); another process holds it, or the address is not this machine's: choose another " + key, e);
    }
  }
}
