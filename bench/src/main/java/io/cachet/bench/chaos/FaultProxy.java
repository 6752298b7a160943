package io.cachet.bench.chaos;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy on 127.0.0.1 in front of one part, whose fault can be switched at any time from any
 * thread: {@link #pass()}, {@link #delay}, {@link #drop()}, {@link #reset()}, {@link #cut}. A switch
 * applies to live connections from their next chunk on and to every new connection.
 *
 * <p>Design. Plain blocking sockets, two threads per connection (one per direction), each with one
 * buffer of {@link #CHUNK_BYTES}. That gives back-pressure for free: a pump that cannot write to a
 * stalled peer, or that holds a delayed chunk, does not read, so the kernel's receive window closes
 * toward the sender and the proxy never holds more than one chunk per direction. A reset is a close
 * with {@code SO_LINGER 0}, which the kernel turns into a RST for that one socket at that moment.
 * Threads are cheap at the scale of a soak (tens of connections per part), and a per-chunk delay
 * is a plain wait on the pump's own thread rather than timers on an event loop.
 *
 * <p>Guarantees: bytes passed are forwarded in order, unchanged, each direction independently (a
 * half-close is forwarded as a half-close). A delayed chunk is forwarded no earlier than
 * {@code base} after it was read. A dropped chunk is never forwarded, and a connection is never
 * closed by a drop. After {@link #reset()} returns, every connection open before it is aborted and
 * every later one is aborted when accepted, until another fault is switched on. If the target
 * refuses a connection, the client's connection is aborted too, as the target's own would be.
 */
public final class FaultProxy implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FaultProxy.class);
  /** Bytes one direction of one connection reads before it must forward or discard them. */
  static final int CHUNK_BYTES = 16 * 1024;
  /** Longest the proxy waits for the target to accept a connection. */
  static final int CONNECT_TIMEOUT_MILLIS = 5_000;
  /** Connections waiting to be accepted before the kernel refuses more. */
  private static final int BACKLOG = 128;

  private final InetSocketAddress target;
  private final ServerSocket listener;
  private final Thread acceptor;
  private final ScheduledExecutorService timer;
  private final Set<ProxyLink> links = ConcurrentHashMap.newKeySet();
  private final AtomicLong linkIds = new AtomicLong();
  /** Bumped by every switch, so that the end of a cut does not undo a later switch. */
  private final AtomicLong generation = new AtomicLong();
  private final Object switchLock = new Object();
  private volatile ProxyFault fault = ProxyFault.PASS;
  private volatile boolean closed;

  private final LongAdder connections = new LongAdder();
  private final LongAdder bytesToTarget = new LongAdder();
  private final LongAdder bytesToClient = new LongAdder();
  private final LongAdder bytesDropped = new LongAdder();
  private final LongAdder faultsApplied = new LongAdder();
  private final LongAdder connectionsReset = new LongAdder();

  private FaultProxy(InetSocketAddress target, ServerSocket listener) {
    this.target = target;
    this.listener = listener;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "fault-proxy-" + port() + "-timer"));
    this.acceptor = daemon(this::acceptLoop, "fault-proxy-" + port() + "-accept");
  }

  /** A proxy on an ephemeral port of 127.0.0.1 forwarding to {@code targetHost:targetPort}. */
  public static FaultProxy start(String targetHost, int targetPort) throws IOException {
    return start(0, targetHost, targetPort);
  }

  /**
   * A proxy on {@code listenPort} of 127.0.0.1 (0 for an ephemeral one) forwarding to
   * {@code targetHost:targetPort}; it passes until told otherwise.
   */
  public static FaultProxy start(int listenPort, String targetHost, int targetPort) throws IOException {
    Objects.requireNonNull(targetHost, "targetHost");
    if (listenPort < 0 || listenPort > 65_535 || targetPort < 1 || targetPort > 65_535) {
      throw new IllegalArgumentException("ports are 0..65535 to listen and 1..65535 to target, got "
          + listenPort + " and " + targetPort);
    }
    ServerSocket listener = new ServerSocket();
    listener.setReuseAddress(true);
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort), BACKLOG);
    FaultProxy proxy = new FaultProxy(new InetSocketAddress(targetHost, targetPort), listener);
    proxy.acceptor.start();
    LOG.info("event=fault_proxy_started port={} target={}:{}", proxy.port(), targetHost, targetPort);
    return proxy;
  }

  /** The port clients connect to. */
  public int port() {
    return listener.getLocalPort();
  }

  /** The fault in force now. */
  public ProxyFault fault() {
    return fault;
  }

  // ---------------------------------------------------------------- switching

  /** Forwards everything untouched from now on. */
  public void pass() {
    apply(ProxyFault.PASS);
  }

  /** Holds every chunk {@code base} plus a uniform random part of {@code jitter} before forwarding it. */
  public void delay(Duration base, Duration jitter) {
    apply(ProxyFault.delay(base, jitter));
  }

  /** Reads and discards everything in both directions, closing nothing (a black hole). */
  public void drop() {
    apply(ProxyFault.DROP);
  }

  /** Aborts every connection with a RST, and every new one as soon as it is accepted. */
  public void reset() {
    apply(ProxyFault.RESET);
  }

  /**
   * Resets for {@code length}, then passes, unless another fault was switched on in the meantime.
   * Returns at once.
   */
  public void cut(Duration length) {
    Objects.requireNonNull(length, "length");
    if (length.isNegative()) {
      throw new IllegalArgumentException("a cut lasts zero or more, got " + length);
    }
    long cutGeneration = apply(ProxyFault.RESET);
    timer.schedule(() -> {
      synchronized (switchLock) {
        if (generation.get() == cutGeneration && !closed) {
          apply(ProxyFault.PASS);
        }
      }
    }, length.toNanos(), TimeUnit.NANOSECONDS);
  }

  private long apply(ProxyFault next) {
    synchronized (switchLock) {
      fault = next;
      long g = generation.incrementAndGet();
      if (next.kind() != ProxyFault.Kind.PASS) {
        faultsApplied.increment();
      }
      LOG.info("event=fault_proxy_switched port={} fault={} base_ms={} jitter_ms={}", port(), next.kind(),
          next.base().toMillis(), next.jitter().toMillis());
      if (next.kind() == ProxyFault.Kind.RESET) {
        for (ProxyLink link : links) {
          abort(link);
        }
      }
      return g;
    }
  }

  // ---------------------------------------------------------------- connections

  /** A snapshot of the counters. */
  public ProxyCounters counters() {
    return new ProxyCounters(connections.sum(), bytesToTarget.sum(), bytesToClient.sum(), bytesDropped.sum(),
        faultsApplied.sum(), connectionsReset.sum());
  }

  /** Connections open now. */
  public int openConnections() {
    return links.size();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        if (!closed) {
          LOG.warn("event=fault_proxy_accept_failed port={} error={}", port(), e.getClass().getSimpleName());
        }
        continue;
      }
      connections.increment();
      if (fault.kind() == ProxyFault.Kind.RESET) {
        ProxyLink.abortQuietly(client);
        connectionsReset.increment();
        continue;
      }
      long id = linkIds.incrementAndGet();
      daemon(() -> open(id, client), "fault-proxy-" + port() + "-" + id + "-connect").start();
    }
  }

  private void open(long id, Socket client) {
    Socket upstream = new Socket();
    try {
      upstream.connect(target, CONNECT_TIMEOUT_MILLIS);
    } catch (IOException e) {
      ProxyLink.abortQuietly(upstream);
      ProxyLink.abortQuietly(client);
      connectionsReset.increment();
      return;
    }
    ProxyLink link = new ProxyLink(this, id, client, upstream);
    links.add(link);
    // A reset switched on while connecting must still reach this connection.
    if (fault.kind() == ProxyFault.Kind.RESET || closed) {
      abort(link);
      return;
    }
    link.start();
  }

  private void abort(ProxyLink link) {
    if (link.abort()) {
      connectionsReset.increment();
    }
    links.remove(link);
  }

  void forwarded(boolean toTarget, int bytes) {
    (toTarget ? bytesToTarget : bytesToClient).add(bytes);
  }

  void dropped(int bytes) {
    bytesDropped.add(bytes);
  }

  void ended(ProxyLink link) {
    links.remove(link);
  }

  void failed(ProxyLink link) {
    abort(link);
  }

  String name() {
    return "fault-proxy-" + port();
  }

  static Thread daemon(Runnable task, String name) {
    Thread t = new Thread(task, name);
    t.setDaemon(true);
    return t;
  }

  /** Stops accepting and aborts every connection. */
  @Override
  public void close() {
    synchronized (switchLock) {
      closed = true;
    }
    try {
      listener.close();
    } catch (IOException e) {
      // closing a listener cannot lose anything
    }
    for (ProxyLink link : links) {
      link.abort();
    }
    links.clear();
    timer.shutdownNow();
    LOG.info("event=fault_proxy_stopped port={}", listener.getLocalPort());
  }
}
