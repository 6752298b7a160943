package io.cachet.cli;

import java.io.InputStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Option;

/**
 * Progress bars for put and get, on stderr so stdout stays the command's answer. Shown on a
 * terminal unless {@code --json} or {@code --no-progress}; {@code --progress} forces them.
 */
public final class Progress {
  @Option(names = "--no-progress", description = "No progress bar.")
  boolean off;

  @Option(names = "--progress", description = "A progress bar even when stderr is not a terminal.")
  boolean forced;

  public InputStream wrap(InputStream in, String task, long total, boolean json) {
    Invocation run = Invocation.current();
    boolean show = forced || (!off && !json && run.interactive());
    if (!show) {
      return in;
    }
    return me.tongfei.progressbar.ProgressBar.wrap(in, new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(total)
        .setUnit(" MiB", 1 << 20)
        .setStyle(ProgressBarStyle.ASCII)
        .showSpeed()
        .setConsumer(new ConsoleProgressBarConsumer(run.err())));
  }
}
