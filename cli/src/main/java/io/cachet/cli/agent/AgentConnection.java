package io.cachet.cli.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * One caller's connection to the agent, with the two deadlines and the hang-up that end it.
 *
 * <p>Guarantees: a caller that has not sent its whole request within the request deadline, or
 * has not taken a frame of output for the write deadline, is treated as gone; so is one whose end
 * of the socket closes while its command runs. Going away closes the socket (which unblocks any
 * read or write on it) and interrupts the thread running the caller's command, once that thread
 * has been named with {@link #runningOn}; a thread is never interrupted after {@link #finished}.
 * The deadlines are checked by the agent's watchdog ({@link #overdue}), not by the blocked thread.
 */
final class AgentConnection {
  /** Marks "no write in progress" in {@link #writingSince}. */
  private static final long NOT_WRITING = Long.MIN_VALUE;

  private final SocketChannel channel;
  private final long requestBy;
  private volatile boolean requestRead;
  private volatile long writingSince = NOT_WRITING;
  private Thread runner;
  private boolean done;
  private volatile boolean gone;

  /** A connection whose whole request must arrive by {@code requestBy} ({@link System#nanoTime}). */
  AgentConnection(SocketChannel channel, long requestBy) {
    this.channel = channel;
    this.requestBy = requestBy;
  }

  SocketChannel channel() {
    return channel;
  }

  /**
   * The socket's input. Reads and writes go to the channel itself: the {@code Channels} streams
   * of a socket channel share one lock, so a read blocked waiting for a hang-up would stall every
   * write of output.
   */
  InputStream input() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        int n;
        do {
          n = channel.read(ByteBuffer.wrap(b, off, len));
        } while (n == 0);
        return n;
      }
    };
  }

  /** The socket's output, each write timed against the write deadline. */
  OutputStream output() {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        writingSince = System.nanoTime();
        try {
          ByteBuffer buf = ByteBuffer.wrap(b, off, len);
          while (buf.hasRemaining()) {
            channel.write(buf);
          }
        } finally {
          writingSince = NOT_WRITING;
        }
      }
    };
  }

  /** The whole request has arrived; from now on only the write deadline applies. */
  void requestRead() {
    requestRead = true;
  }

  /** Whether a deadline has passed at {@code nowNanos}. */
  boolean overdue(long nowNanos, long writeDeadlineNanos) {
    if (!requestRead && nowNanos - requestBy > 0) {
      return true;
    }
    long since = writingSince;
    return since != NOT_WRITING && nowNanos - since > writeDeadlineNanos;
  }

  /** Whether the caller went away (hung up or missed a deadline). */
  boolean gone() {
    return gone;
  }

  /** Names the thread that runs the caller's command, to be interrupted if the caller goes away. */
  synchronized void runningOn(Thread thread) {
    runner = thread;
    if (gone) {
      thread.interrupt();
    }
  }

  /** The command has ended: its thread is not to be interrupted any more. */
  synchronized void finished() {
    done = true;
    runner = null;
  }

  /**
   * Watches, on a thread of {@code pool}, for the caller's end of the socket closing while the
   * command runs (a caller sends nothing after its request, so any read that ends is a hang-up).
   */
  void watchForHangUp(Executor pool) {
    try {
      pool.execute(() -> {
        try {
          input().read();
        } catch (IOException e) {
          // the socket was closed: either by us after the command, or by the caller
        }
        synchronized (this) {
          if (!done) {
            goAway();
          }
        }
      });
    } catch (RejectedExecutionException e) {
      // the agent is stopping; its commands finish without a watch
    }
  }

  /** Ends the connection as if the caller had hung up. */
  synchronized void goAway() {
    gone = true;
    if (runner != null) {
      runner.interrupt();
    }
    close();
  }

  void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // closing is best effort; the caller is gone or done
    }
  }
}
