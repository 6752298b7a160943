package io.cachet.common.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

/**
 * A hostile client for tests: many raw TCP connections from one loopback address (bind to
 * {@code 127.0.0.2} to be told apart from the legitimate clients on {@code 127.0.0.1}) that stay
 * idle, or trickle a request one byte at a time. It watches each connection for the server's
 * answer or close without a thread per connection: channels are non-blocking and polled.
 *
 * <p>Mind the file-descriptor limit: each connection costs one descriptor here and one in the
 * server, in the same process.
 */
public final class SlowClients implements AutoCloseable {
  /** The loopback address the hostile connections come from. */
  public static final String HOSTILE_ADDRESS = "127.0.0.2";
  /** Bytes of each connection's answer kept for inspection. */
  private static final int KEPT_ANSWER_BYTES = 1024;

  private final List<Conn> conns = new ArrayList<>();
  private final ScheduledExecutorService trickler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "slow-clients");
    t.setDaemon(true);
    return t;
  });

  private static final class Conn {
    final SocketChannel channel;
    final StringBuilder answer = new StringBuilder();
    boolean closed;

    Conn(SocketChannel channel) {
      this.channel = channel;
    }
  }

  private SlowClients() {}

  /**
   * Opens {@code count} connections from {@code fromHost} to {@code 127.0.0.1:port}. A connection
   * the server closes at once still counts as opened (see {@link #open()}).
   */
  public static SlowClients connect(String fromHost, int port, int count) throws IOException {
    SlowClients c = new SlowClients();
    try {
      for (int i = 0; i < count; i++) {
        SocketChannel ch = SocketChannel.open();
        ch.setOption(StandardSocketOptions.SO_LINGER, 0);
        ch.bind(new InetSocketAddress(fromHost, 0));
        ch.connect(new InetSocketAddress("127.0.0.1", port));
        ch.configureBlocking(false);
        c.conns.add(new Conn(ch));
      }
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** Writes {@code text} on every connection still open. */
  public synchronized void sendAll(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
    for (Conn c : conns) {
      write(c, bytes);
    }
  }

  /** From now on writes one {@code 'a'} on every open connection every {@code every}, until closed. */
  public void trickle(Duration every) {
    trickler.scheduleWithFixedDelay(() -> {
      synchronized (this) {
        for (Conn c : conns) {
          write(c, new byte[] {'a'});
        }
      }
    }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void write(Conn c, byte[] bytes) {
    read(c);
    if (c.closed) {
      return;
    }
    try {
      c.channel.write(ByteBuffer.wrap(bytes));
    } catch (IOException e) {
      c.closed = true;
    }
  }

  /** Reads what has arrived; returns the connections the server has not closed. */
  public synchronized int open() {
    int open = 0;
    for (Conn c : conns) {
      read(c);
      open += c.closed ? 0 : 1;
    }
    return open;
  }

  private final ByteBuffer readBuffer = ByteBuffer.allocate(4096);

  /** Takes in what arrived on {@code c}, before any write: a write after the server closed brings
   * a reset, which discards what was received but not read. */
  private void read(Conn c) {
    if (c.closed) {
      return;
    }
    try {
      int n;
      while ((n = c.channel.read(readBuffer.clear())) > 0) {
        if (c.answer.length() < KEPT_ANSWER_BYTES) {
          c.answer.append(new String(readBuffer.array(), 0, n, StandardCharsets.ISO_8859_1));
        }
      }
      c.closed = n < 0;
    } catch (IOException e) {
      c.closed = true;
    }
  }

  /** Polls until {@code open()} satisfies {@code done}, or fails after {@code timeout}. */
  public int awaitOpen(IntPredicate done, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    int open = open();
    while (!done.test(open)) {
      if (System.nanoTime() > end) {
        throw new AssertionError("connections still open: " + open + " of " + conns.size() + " after " + timeout);
      }
      Thread.sleep(20);
      open = open();
    }
    return open;
  }

  /** Connections whose answer began with status {@code code}. */
  public synchronized int answered(int code) {
    open();
    String prefix = "HTTP/1.1 " + code + " ";
    return (int) conns.stream().filter(c -> c.answer.toString().startsWith(prefix)).count();
  }

  /** The first answer that began with status {@code code}, head and body, or null. */
  public synchronized String firstAnswer(int code) {
    open();
    String prefix = "HTTP/1.1 " + code + " ";
    return conns.stream().map(c -> c.answer.toString()).filter(a -> a.startsWith(prefix)).findFirst()
        .orElse(null);
  }

  /** Every answer's first line, counted. */
  public synchronized java.util.Map<String, Long> answers() {
    open();
    return conns.stream().collect(java.util.stream.Collectors.groupingBy(
        c -> c.answer.toString().lines().findFirst().orElse("(none)"), java.util.stream.Collectors.counting()));
  }

  public int size() {
    return conns.size();
  }

  @Override
  public synchronized void close() {
    trickler.shutdownNow();
    for (Conn c : conns) {
      try {
        c.channel.close();
      } catch (IOException ignored) {
        // closing a test socket: nothing to do
      }
    }
  }
}
