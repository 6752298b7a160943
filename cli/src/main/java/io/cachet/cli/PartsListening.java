package io.cachet.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;

/**
 * Whether something listens where a part a command needs lives, asked before the command unlocks
 * an identity. Unlocking costs a second or more (Argon2id is slow on purpose) and may ask for a
 * passphrase; with the network down, the person should learn that at once, not after typing it.
 *
 * <p>Only a refused connection or an unknown host fails here: a connection that merely takes time
 * is left to the command's own client, whose timeouts and retries are made for it. The failure is
 * an ordinary {@link ConnectException} naming {@code host:port}, so the command reports it as any
 * unreachable part: by its name in the descriptor, with the remedy.
 */
public final class PartsListening {
  /** How long a probe waits for a connection; a refused one answers in microseconds. */
  private static final int CONNECT_TIMEOUT_MILLIS = 1_000;

  private PartsListening() {}

  /** Throws when nothing listens at one of {@code parts} (null entries are skipped). */
  public static void require(URI... parts) throws IOException {
    for (URI part : parts) {
      if (part == null || part.getHost() == null) {
        continue;
      }
      int port = part.getPort() >= 0 ? part.getPort() : "https".equalsIgnoreCase(part.getScheme()) ? 443 : 80;
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(part.getHost(), port), CONNECT_TIMEOUT_MILLIS);
      } catch (ConnectException e) {
        if (!String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("timed out")) {
          throw new ConnectException("Connection refused: " + part.getHost() + ":" + port);
        }
      } catch (UnknownHostException e) {
        throw new UnknownHostException(part.getHost() + ":" + port);
      } catch (IOException e) {
        // a timeout or anything else: the command's own client decides
      }
    }
  }
}
