package io.cachet.cli.agent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * Where an agent listens and how to reach it: {@code HOME/agent/agent.sock}, in a directory that
 * must be private to its owner (0700, owned by this user, not a link), because the directory,
 * not the socket's own mode, is what keeps other users from connecting. Loads only {@code java.*}:
 * the launcher uses it before it decides whether to load the whole command.
 */
public final class AgentSocket {
  /** The agent's directory under the Cachet home. */
  public static final String DIRECTORY = "agent";
  /** The socket's file name in that directory. */
  public static final String SOCKET = "agent.sock";

  private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

  private AgentSocket() {}

  public static Path directory(Path home) {
    return home.resolve(DIRECTORY);
  }

  public static Path socket(Path home) {
    return directory(home).resolve(SOCKET);
  }

  /**
   * Connects to the agent of {@code home}; throws when none listens (no socket, or a stale one),
   * and refuses one in a directory that is not private or run by another user, since a request
   * carries the caller's environment.
   */
  public static SocketChannel connect(Path home) throws IOException, AgentRefusedException {
    checkPrivate(directory(home));
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.connect(UnixDomainSocketAddress.of(socket(home)));
      checkPeer(ch);
      OutputStream out = Channels.newOutputStream(ch);
      out.write(AgentFrames.VERSION);
      return ch;
    } catch (IOException e) {
      ch.close();
      throw e;
    }
  }

  /**
   * Makes {@code HOME/agent} if it is missing (0700), and refuses one that is not private: a
   * link, another owner, or any permission for group or others. An existing directory is never
   * repaired, since whoever loosened it may already have put something in it.
   */
  public static Path privateDirectory(Path home) throws IOException, AgentRefusedException {
    Path dir = directory(home);
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(home);
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE));
      // the umask may have narrowed the mode further; this sets exactly 0700
      Files.setPosixFilePermissions(dir, PRIVATE);
    }
    checkPrivate(dir);
    return dir;
  }

  private static void checkPrivate(Path dir) throws IOException, AgentRefusedException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new NoSuchFileException(dir.toString(), null, "no agent directory");
    }
    if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new AgentRefusedException("the agent's directory " + dir + " is not a plain directory; remove it and"
          + " run 'cachet agent start' again");
    }
    UserPrincipal owner = Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS);
    UserPrincipal me = dir.getFileSystem().getUserPrincipalLookupService()
        .lookupPrincipalByName(System.getProperty("user.name"));
    if (!owner.equals(me)) {
      throw new AgentRefusedException("the agent's directory " + dir + " belongs to " + owner.getName() + ", not to "
          + me.getName() + ": the agent will not listen where another user can reach it");
    }
    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
    if (!PRIVATE.containsAll(mode)) {
      throw new AgentRefusedException("the agent's directory " + dir + " is " + PosixFilePermissions.toString(mode)
          + ", not private to you: other users could reach the socket; run 'chmod 700 " + dir
          + "' if that is your directory, then 'cachet agent start' again");
    }
  }

  /** Refuses a peer that runs as another user (the kernel's word, SO_PEERCRED). */
  static void checkPeer(SocketChannel ch) throws IOException, AgentRefusedException {
    UnixDomainPrincipal peer;
    try {
      peer = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
    } catch (UnsupportedOperationException e) {
      // no peer credentials on this platform: the private directory is the whole guard
      return;
    }
    UserPrincipal me = FileSystems.getDefault().getUserPrincipalLookupService()
        .lookupPrincipalByName(System.getProperty("user.name"));
    if (!peer.user().equals(me)) {
      throw new AgentRefusedException("the other end of the agent's socket runs as " + peer.user().getName()
          + ", not as " + me.getName());
    }
  }

  /** A control request's whole answer: what the agent wrote to stdout and stderr, and its exit code. */
  public record Reply(int exit, String out, String err) {}

  /** Sends a control request (and its secret, if any) and reads the whole answer. */
  public static Reply control(Path home, int type, byte[] payload, byte[] secret)
      throws IOException, AgentRefusedException {
    try (SocketChannel ch = connect(home)) {
      OutputStream out = Channels.newOutputStream(ch);
      AgentFrames.write(out, type, payload);
      if (secret != null) {
        AgentFrames.write(out, AgentFrames.SECRET, secret);
      }
      out.flush();
      ByteArrayOutputStream o = new ByteArrayOutputStream();
      ByteArrayOutputStream e = new ByteArrayOutputStream();
      int exit = relay(Channels.newInputStream(ch), o, e);
      return new Reply(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }
  }

  /** The agent runs another build than the caller's and ran nothing: the caller runs the command. */
  public static final class OtherBuildException extends IOException {
    private static final long serialVersionUID = 1L;

    OtherBuildException() {
      super("the agent runs another build");
    }
  }

  /**
   * Copies OUT and ERR frames to {@code out} and {@code err} until the EXIT frame; returns its
   * code. Throws {@link OtherBuildException} when the agent refused the request as another build's.
   */
  public static int relay(InputStream in, OutputStream out, OutputStream err) throws IOException {
    while (true) {
      AgentFrames.Frame f = AgentFrames.read(in);
      if (f == null) {
        throw new IOException("the agent closed the connection before the command ended");
      }
      switch (f.type()) {
        case AgentFrames.OUT -> {
          out.write(f.payload());
          out.flush();
        }
        case AgentFrames.ERR -> {
          err.write(f.payload());
          err.flush();
        }
        case AgentFrames.EXIT -> {
          return AgentFrames.exitCode(f.payload());
        }
        case AgentFrames.OTHER_BUILD -> throw new OtherBuildException();
        default -> throw new IOException("the agent sent a frame of unknown type " + f.type());
      }
    }
  }
}
