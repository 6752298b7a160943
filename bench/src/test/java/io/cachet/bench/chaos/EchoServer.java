package io.cachet.bench.chaos;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real TCP echo server on 127.0.0.1 for the proxy's tests: each connection gets back every byte
 * it sends, and a half-close once it half-closes. With {@code reads} false it accepts and never
 * reads, a stalled peer. It holds every connection it accepted until it is closed: a socket nothing
 * refers to is closed by the garbage collector's cleaner, which would turn a stalled peer into one
 * that hung up.
 */
final class EchoServer implements AutoCloseable {
  private final ServerSocket listener;
  private final boolean reads;
  private final List<Socket> accepted = new CopyOnWriteArrayList<>();

  private EchoServer(ServerSocket listener, boolean reads) {
    this.listener = listener;
    this.reads = reads;
    FaultProxy.daemon(this::acceptLoop, "echo-" + listener.getLocalPort()).start();
  }

  static EchoServer start() throws IOException {
    return start(true);
  }

  static EchoServer start(boolean reads) throws IOException {
    ServerSocket s = new ServerSocket();
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return new EchoServer(s, reads);
  }

  int port() {
    return listener.getLocalPort();
  }

  /** Connections accepted so far. */
  int connections() {
    return accepted.size();
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket s = listener.accept();
        accepted.add(s);
        if (reads) {
          FaultProxy.daemon(() -> echo(s), "echo-conn").start();
        }
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void echo(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
      }
      s.shutdownOutput();
    } catch (IOException e) {
      // the client went away; nothing to echo to
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket s : accepted) {
      s.close();
    }
  }
}
