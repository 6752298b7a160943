package io.cachet.storage.node;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's signing key on disk: {@code node.key} in the data directory, the 32-byte Ed25519 seed
 * and nothing else, readable by its owner only where the file system has POSIX permissions. A new
 * key is written to {@code node.key.tmp}, fsynced and renamed into place, so a crash never leaves
 * a half-written key.
 */
public final class NodeKeys {
  private static final Logger LOG = LoggerFactory.getLogger(NodeKeys.class);
  public static final String KEY_FILE = "node.key";
  private static final int SEED_BYTES = 32;
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private NodeKeys() {}

  /** Reads the node's key, or creates the data directory and a new key if there is none. */
  public static NodeKey loadOrCreate(Path dataDir) throws IOException {
    return loadOrCreate(dataDir, KEY_FILE);
  }

  /** Reads the key in {@code dataDir/fileName}, or creates it (as for a node's key) if there is none. */
  public static NodeKey loadOrCreate(Path dataDir, String fileName) throws IOException {
    Files.createDirectories(dataDir);
    Path file = dataDir.resolve(fileName);
    if (Files.exists(file)) {
      return load(dataDir, fileName);
    }
    NodeKey key = NodeKey.generate();
    Path tmp = dataDir.resolve(fileName + ".tmp");
    Files.deleteIfExists(tmp);
    byte[] seed = key.seed();
    try (FileChannel ch = FileChannel.open(tmp, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
        ownerOnly(dataDir))) {
      ByteBuffer b = ByteBuffer.wrap(seed);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    } finally {
      java.util.Arrays.fill(seed, (byte) 0);
    }
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException e) {
      Files.deleteIfExists(tmp);
      return load(dataDir, fileName);
    }
    Durability.syncDirectory(dataDir);
    LOG.info("event=node_key_created file={}", file);
    return key;
  }

  /** Reads the node's key; fails naming the file if it is absent or not a 32-byte seed. */
  public static NodeKey load(Path dataDir) throws IOException {
    return load(dataDir, KEY_FILE);
  }

  /** Reads the key in {@code dataDir/fileName}; fails naming the file if it is absent or not a 32-byte seed. */
  public static NodeKey load(Path dataDir, String fileName) throws IOException {
    Path file = dataDir.resolve(fileName);
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "no node key file");
    }
    long size = Files.size(file);
    if (size != SEED_BYTES) {
      throw new IOException("node key file " + file + " is " + size + " bytes, expected " + SEED_BYTES);
    }
    if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (!OWNER_ONLY.containsAll(perms)) {
        LOG.warn("event=node_key_permissions file={} permissions={} expected=rw-------", file,
            PosixFilePermissions.toString(perms));
      }
    }
    byte[] seed = Files.readAllBytes(file);
    try {
      return NodeKey.fromSeed(seed);
    } finally {
      java.util.Arrays.fill(seed, (byte) 0);
    }
  }

  private static FileAttribute<?>[] ownerOnly(Path dir) throws IOException {
    if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
      return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)};
    }
    return new FileAttribute<?>[0];
  }
}
