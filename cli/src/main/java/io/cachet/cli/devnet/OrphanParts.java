package io.cachet.cli.devnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The part processes a process devnet's daemon left behind when it died without stopping them
 * (SIGKILL runs no shutdown hook). {@code devnet.json} records each running part's pid and
 * configuration file; {@link #stop} ends a recorded pid only while its command line still names
 * that file as an argument, so a pid the kernel has since given to another program is left alone.
 */
final class OrphanParts {
  /** How long an orphan gets to stop on SIGTERM before SIGKILL. */
  static final long GRACE_SECONDS = 30;

  private OrphanParts() {}

  /**
   * Stops every orphan recorded in {@code dir}'s devnet.json (SIGTERM, then SIGKILL after
   * {@value #GRACE_SECONDS} s) and returns the names of those it stopped. Call it only when no
   * daemon runs there: a live daemon's parts are recorded too.
   */
  static List<String> stop(Path dir) throws IOException, InterruptedException {
    Path state = dir.resolve(DevnetMode.STATE_FILE);
    if (!Files.exists(state)) {
      return List.of();
    }
    JsonNode parts = new ObjectMapper().readTree(state.toFile()).path("parts");
    List<String> stopped = new ArrayList<>();
    List<ProcessHandle> ending = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = parts.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      long pid = e.getValue().path("pid").asLong(-1);
      String config = e.getValue().path("config").asText("");
      ProcessHandle h = ProcessHandle.of(pid).filter(ProcessHandle::isAlive).orElse(null);
      if (h != null && !config.isEmpty() && namesArgument(h, config)) {
        h.destroy();
        ending.add(h);
        stopped.add(e.getKey());
      }
    }
    for (ProcessHandle h : ending) {
      try {
        h.onExit().get(GRACE_SECONDS, TimeUnit.SECONDS);
      } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
        h.destroyForcibly();
        try {
          h.onExit().get(GRACE_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | java.util.concurrent.ExecutionException again) {
          throw new IOException("process " + h.pid() + " of the devnet in " + dir + " still runs after SIGKILL");
        }
      }
    }
    return stopped;
  }

  /**
   * True if {@code process}'s command line has {@code argument} as one of its words. Read from
   * {@code /proc/PID/cmdline} where there is one: {@link ProcessHandle.Info#commandLine} stops at
   * 4096 bytes on Linux, before the {@code --config} of a part launched with a long class path.
   */
  static boolean namesArgument(ProcessHandle process, String argument) {
    List<String> words;
    try {
      byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
      words = Arrays.asList(new String(raw, StandardCharsets.UTF_8).split("\0"));
    } catch (NoSuchFileException e) {
      if (Files.isDirectory(Path.of("/proc", "self"))) {
        return false; // a /proc without this pid: it has ended
      }
      words = process.info().arguments().map(Arrays::asList).orElse(List.of());
    } catch (IOException e) {
      words = process.info().arguments().map(Arrays::asList).orElse(List.of());
    }
    return words.contains(argument);
  }
}
