package io.cachet.bench.chaos;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client connection of a {@link FaultProxy} and its connection to the target: two pumps, one
 * per direction, each reading one chunk at a time and doing with it what the proxy's fault of that
 * moment says. A failure in either direction aborts both sockets, so a RST from the target reaches
 * the client as a RST; a clean end of both directions closes both sockets.
 */
final class ProxyLink {
  private static final SecureRandom JITTER = new SecureRandom();

  private final FaultProxy proxy;
  private final long id;
  private final Socket client;
  private final Socket upstream;
  private final AtomicBoolean aborted = new AtomicBoolean();
  private final AtomicInteger pumpsRunning = new AtomicInteger(2);

  ProxyLink(FaultProxy proxy, long id, Socket client, Socket upstream) {
    this.proxy = proxy;
    this.id = id;
    this.client = client;
    this.upstream = upstream;
  }

  void start() {
    String name = proxy.name() + "-" + id;
    FaultProxy.daemon(() -> pump(client, upstream, true), name + "-up").start();
    FaultProxy.daemon(() -> pump(upstream, client, false), name + "-down").start();
  }

  /** Aborts both sockets with a RST; true if this call did it, false if it was done already. */
  boolean abort() {
    if (!aborted.compareAndSet(false, true)) {
      return false;
    }
    abortQuietly(client);
    abortQuietly(upstream);
    return true;
  }

  /** Closes {@code socket} with {@code SO_LINGER 0}: the kernel sends a RST, not a FIN. */
  static void abortQuietly(Socket socket) {
    try {
      if (!socket.isClosed()) {
        socket.setSoLinger(true, 0);
      }
    } catch (IOException e) {
      // a socket that cannot take the option is closed below all the same
    }
    try {
      socket.close();
    } catch (IOException e) {
      // nothing to release beyond the descriptor, which close frees either way
    }
  }

  private void pump(Socket from, Socket to, boolean toTarget) {
    byte[] chunk = new byte[FaultProxy.CHUNK_BYTES];
    long lastRelease = Long.MIN_VALUE;
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      while (true) {
        int n = in.read(chunk);
        if (n < 0) {
          // A black hole forwards no end either: the peer keeps waiting.
          if (proxy.fault().kind() != ProxyFault.Kind.DROP) {
            to.shutdownOutput();
          }
          break;
        }
        ProxyFault fault = proxy.fault();
        if (fault.kind() == ProxyFault.Kind.DELAY) {
          long release = Math.max(lastRelease, System.nanoTime() + holdNanos(fault));
          lastRelease = release;
          waitUntil(release);
          fault = proxy.fault();
        }
        switch (fault.kind()) {
          case PASS, DELAY -> {
            out.write(chunk, 0, n);
            proxy.forwarded(toTarget, n);
          }
          case DROP -> proxy.dropped(n);
          case RESET -> {
            proxy.failed(this);
            return;
          }
          default -> throw new IllegalStateException("unknown fault " + fault.kind());
        }
      }
    } catch (IOException e) {
      if (!aborted.get()) {
        proxy.failed(this);
      }
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      proxy.failed(this);
      return;
    }
    if (pumpsRunning.decrementAndGet() == 0 && !aborted.get()) {
      closeQuietly(client);
      closeQuietly(upstream);
      proxy.ended(this);
    }
  }

  private static long holdNanos(ProxyFault fault) {
    long jitter = fault.jitter().toNanos();
    return fault.base().toNanos() + (jitter == 0 ? 0 : JITTER.nextLong(jitter + 1));
  }

  private static void waitUntil(long releaseNanos) throws InterruptedException {
    long left;
    while ((left = releaseNanos - System.nanoTime()) > 0) {
      TimeUnit.NANOSECONDS.sleep(left);
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // both directions ended; nothing is left to lose
    }
  }
}
