package io.cachet.cli;

import io.vertx.core.Vertx;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * The training run the {@code ./cachet} script makes its class-data-sharing archive from
 * ({@code -XX:ArchiveClassesAtExit}): it walks the paths most commands take, without a network,
 * so their classes load from the archive afterwards. Every command's help, a new identity in a
 * throw-away home (Argon2id, the keystore's JSON), listing and showing it, an error with
 * {@code --json}, the launcher's look for an agent, and a Vert.x instance started and closed
 * (the classes a command that talks to the network loads first).
 *
 * <p>Run as {@code java -XX:ArchiveClassesAtExit=cachet.jsa -cp cachet.jar io.cachet.cli.CdsTraining}.
 * It prints nothing; what it does is thrown away with its temporary home.
 */
public final class CdsTraining {
  private CdsTraining() {}

  public static void main(String[] args) throws Exception {
    Path home = Files.createTempDirectory("cachet-cds-");
    try {
      PrintWriter sink = new PrintWriter(Writer.nullWriter());
      Invocation quiet = new Invocation(Map.of("CACHET_PASSPHRASE", "training only, thrown away",
          "CACHET_HOME", home.toString()), home, InputStream.nullInputStream(),
          OutputStream.nullOutputStream(), new PrintStream(OutputStream.nullOutputStream()), false);
      Invocation.call(quiet, () -> {
        usageOfEvery(Cachet.newCommandLine(sink, sink), sink);
        Launcher.viaAgent(new String[] {"id", "list"}, quiet.environment(), home);
        for (String[] c : new String[][] {{"--help"}, {"--version"}, {"id", "new", "training"}, {"id", "list"},
            {"id", "list", "--json"}, {"id", "show", "training", "--json"}, {"id", "show", "nobody", "--json"},
            {"agent", "status"}, {"policy", "show", "0x12"}, {"get", "not-a-blob", "-o", "-"}}) {
          Cachet.newCommandLine(sink, sink).execute(withHome(c, home));
        }
        return null;
      });
      Vertx vertx = Vertx.vertx();
      vertx.createHttpClient();
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } finally {
      try (Stream<Path> all = Files.walk(home)) {
        all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void usageOfEvery(CommandLine cl, PrintWriter sink) {
    cl.usage(sink);
    cl.getSubcommands().values().forEach(sub -> usageOfEvery(sub, sink));
  }

  private static String[] withHome(String[] args, Path home) {
    String[] all = Arrays.copyOf(args, args.length + 2);
    all[args.length] = "--home";
    all[args.length + 1] = home.toString();
    return all;
  }
}
