package io.cachet.cli;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Option;

/**
 * Progress bars for put and get, on stderr so stdout stays the command's answer. Shown on a
 * terminal unless {@code --json} or {@code --no-progress}; {@code --progress} forces them. A file
 * smaller than {@link #SMALLEST_WITH_BAR} gets none (it is done before a bar could say anything);
 * a larger one counts in the unit that fits its size, so no bar reads "0/0 MiB". Where stderr is
 * no terminal, the bar is drawn once, finished, on one line.
 */
public final class Progress {
  /** Below this a transfer is over at once: a bar would only flash. */
  public static final long SMALLEST_WITH_BAR = 256 * 1024;

  /** The unit a bar counts in: its name as shown and its size in bytes. */
  public record Unit(String name, long bytes) {}

  private static final Unit KIB = new Unit(" KiB", 1L << 10);
  private static final Unit MIB = new Unit(" MiB", 1L << 20);
  private static final Unit GIB = new Unit(" GiB", 1L << 30);

  @Option(names = "--no-progress", description = "No progress bar.")
  boolean off;

  @Option(names = "--progress", description = "A progress bar even when stderr is not a terminal (none for files under 256 KiB).")
  boolean forced;

  /** The unit for a transfer of {@code total} bytes, or null for none (too small to show). */
  public static Unit unitFor(long total) {
    if (total < SMALLEST_WITH_BAR) {
      return null;
    }
    if (total < 16L << 20) {
      return KIB;
    }
    return total < 16L << 30 ? MIB : GIB;
  }

  public InputStream wrap(InputStream in, String task, long total, boolean json) {
    Invocation run = Invocation.current();
    boolean show = forced || (!off && !json && run.interactive());
    Unit unit = unitFor(total);
    if (!show || unit == null) {
      return in;
    }
    ProgressBarBuilder bar = new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(total)
        .setUnit(unit.name(), unit.bytes())
        .setStyle(ProgressBarStyle.ASCII)
        .showSpeed();
    if (run.interactive()) {
      return me.tongfei.progressbar.ProgressBar.wrap(in, bar.setConsumer(new ConsoleProgressBarConsumer(run.err())));
    }
    FinalLine line = new FinalLine(run.err());
    return new FilterInputStream(me.tongfei.progressbar.ProgressBar.wrap(in, bar.setConsumer(line))) {
      @Override
      public void close() throws IOException {
        try {
          super.close();
        } finally {
          // the bar closes its consumer only if it had drawn once before; a quick transfer may not have
          line.close();
        }
      }
    };
  }

  /**
   * Where no terminal redraws a line in place (a log, a pipe: {@code --progress} forced), only the
   * bar's last state, once, on its own line: redraws would pile up as repeated text.
   */
  static final class FinalLine implements ProgressBarConsumer {
    /** Widest line drawn: a terminal's usual width, as there is none to ask. */
    private static final int WIDTH = 100;
    private final PrintStream err;
    private volatile String last;
    private boolean closed;

    FinalLine(PrintStream err) {
      this.err = err;
    }

    @Override
    public int getMaxRenderedLength() {
      return WIDTH;
    }

    @Override
    public void accept(String rendered) {
      last = rendered;
    }

    @Override
    public synchronized void close() {
      if (!closed && last != null) {
        err.println(last.stripTrailing());
        err.flush();
      }
      closed = true;
    }
  }
}
