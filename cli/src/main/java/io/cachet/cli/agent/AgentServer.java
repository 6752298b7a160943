package io.cachet.cli.agent;

import io.cachet.cli.Cachet;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Invocation;
import io.cachet.cli.UsageException;
import io.cachet.cli.id.IdentityStore;
import io.cachet.common.io.DurableFiles;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.WrongPassphraseException;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A warm JVM that runs {@code cachet} commands for other processes of the same user and holds
 * unlocked identities for them ({@link HeldIdentities}).
 *
 * <p>Who can reach it: the socket lives in {@code HOME/agent}, which must be 0700 and this user's
 * ({@link AgentSocket#privateDirectory}); the socket is 0600 before the first accept; and each
 * connection's peer must run as this user (SO_PEERCRED where the platform has it). Each
 * connection carries one request ({@link AgentFrames}); a command runs on a thread of its own
 * under an {@link Invocation} built from the caller's arguments, directory and environment, with
 * no stdin and no terminal, its stdout and stderr streamed back as frames. At most
 * {@link #MAX_RUNNING} commands run at once; more wait, and are told so on stderr.
 *
 * <p>No caller can hold the agent: a whole request must arrive within {@link Limits#request},
 * each frame of output must be taken within {@link Limits#write}, and at most
 * {@link Limits#connections} connections are served at once (more are refused at once with a
 * line saying why). A caller that misses a deadline, or whose end of the socket closes while its
 * command runs (Ctrl-C), is gone: its socket is closed and its command's thread interrupted, so
 * that {@code get} does not put the file in place and {@code put} does not record the blob
 * ({@link InAgent#stopIfCallerLeft}). A run request from another build ({@link BuildId}) is
 * refused with an {@link AgentFrames#OTHER_BUILD} frame, and the launcher runs it itself.
 */
public final class AgentServer implements Closeable {
  /** Commands run at once; a further connection waits for one to end. */
  public static final int MAX_RUNNING = 16;
  /** How often the connections' deadlines are checked. */
  private static final Duration WATCH_EVERY = Duration.ofMillis(250);
  /** How often expired identities are zeroed, besides the check at every use. */
  private static final Duration SWEEP_EVERY = Duration.ofSeconds(1);

  private final Path home;
  private final Path socket;
  private final ServerSocketChannel server;
  private final HeldIdentities held;
  private final ExecutorService runs = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "cachet-agent-run");
    t.setDaemon(true);
    return t;
  });
  private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "cachet-agent-sweep");
    t.setDaemon(true);
    return t;
  });
  private final ExecutorService hangUps = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "cachet-agent-hangup");
    t.setDaemon(true);
    return t;
  });
  private final Semaphore running = new Semaphore(MAX_RUNNING);
  private final Limits limits;
  private final Semaphore connections;
  private final Set<AgentConnection> open = ConcurrentHashMap.newKeySet();
  private final CountDownLatch stopped = new CountDownLatch(1);

  /**
   * What a caller may take of the agent.
   *
   * @param request how long a caller has to send its whole request
   * @param write how long a caller may leave a frame of output untaken
   * @param connections how many connections are served at once
   * @param buildId the build whose launchers this agent serves ({@link BuildId#current})
   */
  public record Limits(Duration request, Duration write, int connections, String buildId) {
    /** A request in 10 s, a frame taken within 30 s, 64 connections, this process's build. */
    public static Limits defaults() {
      return new Limits(Duration.ofSeconds(10), Duration.ofSeconds(30), 4 * MAX_RUNNING, BuildId.current());
    }
  }

  private AgentServer(Path home, Path socket, ServerSocketChannel server, HeldIdentities held, Limits limits) {
    this.limits = limits;
    this.connections = new Semaphore(limits.connections());
    this.home = home;
    this.socket = socket;
    this.server = server;
    this.held = held;
  }

  /**
   * Listens for {@code home}'s commands, holding identities for {@code ttl} unless added with
   * another. Refuses a directory that is not private, and a socket another agent answers on; a
   * socket no one answers on is a dead agent's and is replaced.
   */
  public static AgentServer start(Path home, Duration ttl, Clock clock) throws IOException, AgentRefusedException {
    return start(home, ttl, clock, Limits.defaults());
  }

  /** As {@link #start(Path, Duration, Clock)}, with the given limits on callers. */
  public static AgentServer start(Path home, Duration ttl, Clock clock, Limits limits)
      throws IOException, AgentRefusedException {
    AgentSocket.privateDirectory(home);
    Path socket = AgentSocket.socket(home);
    if (Files.exists(socket)) {
      try (SocketChannel ignored = AgentSocket.connect(home)) {
        throw new UsageException("an agent already runs for " + home + " ('cachet agent status' shows it)");
      } catch (IOException stale) {
        Files.deleteIfExists(socket);
      }
    }
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      server.bind(UnixDomainSocketAddress.of(socket));
      DurableFiles.restrictFile(socket);
    } catch (IOException e) {
      server.close();
      throw e;
    }
    AgentServer agent = new AgentServer(home, socket, server, new HeldIdentities(clock, ttl), limits);
    agent.sweeper.scheduleWithFixedDelay(agent.held::sweep, SWEEP_EVERY.toMillis(), SWEEP_EVERY.toMillis(),
        TimeUnit.MILLISECONDS);
    agent.sweeper.scheduleWithFixedDelay(agent::endOverdue, WATCH_EVERY.toMillis(), WATCH_EVERY.toMillis(),
        TimeUnit.MILLISECONDS);
    Thread accept = new Thread(agent::acceptLoop, "cachet-agent-accept");
    accept.setDaemon(true);
    accept.start();
    return agent;
  }

  public Path socket() {
    return socket;
  }

  /** Forgets every held identity (zeroed), as {@code cachet agent lock} does; returns how many. */
  int lock() {
    return held.lock();
  }

  /** Run slots free now (for tests that wait for the agent to be idle or full). */
  int freeRuns() {
    return running.availablePermits();
  }

  /** Connections being served now. */
  int served() {
    return open.size();
  }

  /** Waits until a client stops the agent or it is closed. */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  /** Stops listening, forgets every identity (zeroed) and removes the socket; running commands finish. */
  @Override
  public void close() {
    held.lock();
    sweeper.shutdownNow();
    try {
      server.close();
    } catch (IOException e) {
      // closing is best effort; the socket file goes below either way
    }
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      // a later start finds the socket dead and replaces it
    }
    runs.shutdown();
    hangUps.shutdown();
    stopped.countDown();
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        continue;
      }
      if (!connections.tryAcquire()) {
        refuseBusy(ch);
        continue;
      }
      AgentConnection c = new AgentConnection(ch, System.nanoTime() + limits.request().toNanos());
      open.add(c);
      try {
        runs.execute(() -> serve(c));
      } catch (RejectedExecutionException e) {
        open.remove(c);
        connections.release();
        closeQuietly(ch);
      }
    }
  }

  /** Ends every connection whose caller missed a deadline, as if it had hung up. */
  private void endOverdue() {
    long now = System.nanoTime();
    long write = limits.write().toNanos();
    for (AgentConnection c : open) {
      if (c.overdue(now, write)) {
        c.goAway();
      }
    }
  }

  /**
   * Tells a caller beyond the connection limit why it is refused; the few bytes fit a new
   * socket's buffer, so the accept thread never blocks on them.
   */
  private void refuseBusy(SocketChannel ch) {
    try (ch) {
      reply(Channels.newOutputStream(ch), ExitCodes.IO, "cachet: the agent is serving " + limits.connections()
          + " connections already; try again, or run the command here with " + "CACHET_NO_AGENT=1\n");
    } catch (IOException e) {
      // the caller is gone already
    }
  }

  private void serve(AgentConnection c) {
    try (SocketChannel ch = c.channel()) {
      AgentSocket.checkPeer(ch);
      InputStream in = c.input();
      OutputStream out = c.output();
      int version = in.read();
      if (version != AgentFrames.VERSION) {
        reply(out, ExitCodes.USAGE, "cachet: this agent speaks protocol version " + AgentFrames.VERSION + ", not "
            + version + ": restart it with 'cachet agent stop' and 'cachet agent start'\n");
        return;
      }
      AgentFrames.Frame request = AgentFrames.read(in);
      if (request == null) {
        return;
      }
      if (request.type() != AgentFrames.ADD) {
        c.requestRead();
      }
      switch (request.type()) {
        case AgentFrames.RUN -> run(request.payload(), c, out);
        case AgentFrames.ADD -> add(request.payload(), c, in, out);
        case AgentFrames.LOCK -> {
          int n = held.lock();
          replyOut(out, n + "\n");
        }
        case AgentFrames.STATUS -> status(out);
        case AgentFrames.STOP -> {
          replyOut(out, "");
          close();
        }
        default -> reply(out, ExitCodes.USAGE, "cachet: the agent does not know request type " + request.type() + "\n");
      }
    } catch (IOException | AgentRefusedException | RuntimeException e) {
      // the caller went away, was refused or sent a malformed request: its connection closes
      // without an exit frame, and its launcher says the agent stopped answering
    } finally {
      c.finished();
      open.remove(c);
      connections.release();
      // an interrupt meant for this caller's command must not reach the next caller's
      Thread.interrupted();
    }
  }

  private void run(byte[] payload, AgentConnection c, OutputStream socketOut) throws IOException {
    List<String> s = AgentFrames.decodeStrings(payload);
    if (s.size() < 3) {
      throw new IOException("an agent request without a build, a directory and an argument count");
    }
    if (!s.get(0).equals(limits.buildId())) {
      AgentFrames.write(socketOut, AgentFrames.OTHER_BUILD, limits.buildId().getBytes(StandardCharsets.UTF_8));
      return;
    }
    Path cwd = Path.of(s.get(1));
    int argc = Integer.parseInt(s.get(2));
    if (argc < 0 || 3 + argc > s.size()) {
      throw new IOException("an agent request's argument count is wrong");
    }
    String[] args = s.subList(3, 3 + argc).toArray(String[]::new);
    Map<String, String> env = new HashMap<>();
    for (String kv : s.subList(3 + argc, s.size())) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        env.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    FrameSink sink = new FrameSink(socketOut);
    OutputStream stdout = new BufferedOutputStream(sink.stream(AgentFrames.OUT), AgentFrames.CHUNK);
    OutputStream stderr = sink.stream(AgentFrames.ERR);
    PrintStream errStream = new PrintStream(stderr, true, StandardCharsets.UTF_8);
    PrintWriter outWriter = new PrintWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8), true);
    PrintWriter errWriter = new PrintWriter(new OutputStreamWriter(stderr, StandardCharsets.UTF_8), true);
    Invocation invocation = new Invocation(env, cwd, InputStream.nullInputStream(), stdout, errStream, false);
    int exit;
    c.runningOn(Thread.currentThread());
    c.watchForHangUp(hangUps);
    if (!running.tryAcquire()) {
      errWriter.println("cachet: the agent runs " + MAX_RUNNING + " commands already; this one waits for one of"
          + " them to end (CACHET_NO_AGENT=1 runs it here instead)");
      try {
        running.acquire();
      } catch (InterruptedException e) {
        return; // the caller went away while it waited
      }
    }
    try {
      exit = Invocation.call(invocation, () -> InAgent.run(held,
          () -> Cachet.newCommandLine(outWriter, errWriter).execute(args)));
    } catch (Exception e) {
      errWriter.println("cachet: the agent failed to run the command (" + e.getClass().getSimpleName()
          + "); run it without the agent with CACHET_NO_AGENT=1");
      exit = ExitCodes.INTERNAL;
    } finally {
      running.release();
    }
    if (c.gone()) {
      return;
    }
    outWriter.flush();
    errWriter.flush();
    errStream.flush();
    stdout.flush();
    sink.exit(exit);
  }

  private void add(byte[] payload, AgentConnection c, InputStream in, OutputStream out) throws IOException {
    List<String> s = AgentFrames.decodeStrings(payload);
    AgentFrames.Frame secret = AgentFrames.read(in);
    c.requestRead();
    if (s.size() != 2 || secret == null || secret.type() != AgentFrames.SECRET) {
      throw new IOException("an agent add request without its name, time-to-live and passphrase");
    }
    char[] pass = decodeSecret(secret.payload());
    try {
      String name = s.get(0);
      long ttlSeconds = Long.parseLong(s.get(1));
      IdentityStore store = new IdentityStore(home.resolve("ids"));
      byte[] keystore = Files.readAllBytes(store.show(name).file());
      HeldIdentities.Held h = held.add(name, keystore, pass, ttlSeconds > 0 ? Duration.ofSeconds(ttlSeconds) : null);
      replyOut(out, h.name() + "\t" + h.address() + "\t" + h.until().getEpochSecond() + "\n");
    } catch (WrongPassphraseException e) {
      reply(out, ExitCodes.REFUSED, "wrong passphrase for '" + s.get(0) + "'");
    } catch (UsageException | NumberFormatException e) {
      reply(out, ExitCodes.USAGE, e.getMessage());
    } catch (FormatException e) {
      reply(out, ExitCodes.IO, "the keystore of '" + s.get(0) + "' is damaged: " + e.getMessage());
    } finally {
      Arrays.fill(pass, '\0');
    }
  }

  private void status(OutputStream out) throws IOException {
    StringBuilder b = new StringBuilder();
    for (HeldIdentities.Held h : held.list()) {
      b.append(h.name()).append('\t').append(h.address()).append('\t').append(h.until().getEpochSecond()).append('\n');
    }
    replyOut(out, b.toString());
  }

  private static char[] decodeSecret(byte[] bytes) {
    CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(bytes));
    char[] out = new char[chars.remaining()];
    chars.get(out);
    Arrays.fill(chars.array(), '\0');
    AgentFrames.zero(bytes);
    return out;
  }

  private static void replyOut(OutputStream out, String text) throws IOException {
    AgentFrames.write(out, AgentFrames.OUT, text.getBytes(StandardCharsets.UTF_8));
    AgentFrames.write(out, AgentFrames.EXIT, AgentFrames.exitPayload(ExitCodes.OK));
    out.flush();
  }

  private static void reply(OutputStream out, int exit, String message) throws IOException {
    AgentFrames.write(out, AgentFrames.ERR, message.getBytes(StandardCharsets.UTF_8));
    AgentFrames.write(out, AgentFrames.EXIT, AgentFrames.exitPayload(exit));
    out.flush();
  }

  private static void closeQuietly(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // nothing was sent on it
    }
  }

  /** Interleaves OUT and ERR frames on one socket, one whole frame at a time. */
  private static final class FrameSink {
    private final OutputStream socket;

    FrameSink(OutputStream socket) {
      this.socket = socket;
    }

    OutputStream stream(int type) {
      return new OutputStream() {
        @Override
        public void write(int b) throws IOException {
          write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          synchronized (FrameSink.this) {
            for (int done = 0; done < len; ) {
              int n = Math.min(AgentFrames.CHUNK, len - done);
              AgentFrames.write(socket, type, b, off + done, n);
              done += n;
            }
          }
        }

        @Override
        public void flush() throws IOException {
          synchronized (FrameSink.this) {
            socket.flush();
          }
        }
      };
    }

    synchronized void exit(int code) throws IOException {
      AgentFrames.write(socket, AgentFrames.EXIT, AgentFrames.exitPayload(code));
      socket.flush();
    }
  }
}
