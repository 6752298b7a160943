package io.cachet.storage.walrus;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A read timeout for response bodies, which the JDK client lacks. Each guarded stream notes when
 * a read starts blocking; a watchdog closes a stream whose read has blocked longer than the limit,
 * which wakes the reader, and the read then fails naming the stall. Only time spent inside
 * {@code read} counts, so a slow consumer is never cut off.
 */
final class StallGuard implements AutoCloseable {
  private final long limitNanos;
  private final Set<Guarded> open = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService watchdog;

  StallGuard(Duration limit) {
    this.limitNanos = limit.toNanos();
    this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "walrus-stall-watchdog");
      t.setDaemon(true);
      return t;
    });
    long period = Math.max(10, Math.min(1000, limit.toMillis() / 4));
    watchdog.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.MILLISECONDS);
  }

  InputStream guard(InputStream in, String what) {
    Guarded g = new Guarded(in, what);
    open.add(g);
    return g;
  }

  private void sweep() {
    long now = System.nanoTime();
    for (Guarded g : open) {
      long since = g.blockedSince;
      if (since != 0 && now - since > limitNanos) {
        g.stalled = true;
        open.remove(g);
        try {
          g.inner().close();
        } catch (IOException | RuntimeException e) {
          // The reader wakes up either way.
        }
      }
    }
  }

  @Override
  public void close() {
    watchdog.shutdownNow();
  }

  private final class Guarded extends FilterInputStream {
    private final String what;
    volatile long blockedSince;
    volatile boolean stalled;

    Guarded(InputStream in, String what) {
      super(in);
      this.what = what;
    }

    InputStream inner() {
      return in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      blockedSince = System.nanoTime() | 1;
      try {
        int n = in.read(b, off, len);
        if (stalled) {
          throw stall(null);
        }
        return n;
      } catch (IOException e) {
        throw stalled ? stall(e) : e;
      } finally {
        blockedSince = 0;
      }
    }

    @Override
    public long skip(long n) throws IOException {
      blockedSince = System.nanoTime() | 1;
      try {
        long skipped = in.skip(n);
        if (stalled) {
          throw stall(null);
        }
        return skipped;
      } catch (IOException e) {
        throw stalled ? stall(e) : e;
      } finally {
        blockedSince = 0;
      }
    }

    private IOException stall(IOException cause) {
      return new IOException(what + ": no bytes arrived for " + Duration.ofNanos(limitNanos).toSeconds()
          + " s; the connection was dropped", cause);
    }

    @Override
    public void close() throws IOException {
      open.remove(this);
      in.close();
    }
  }
}
