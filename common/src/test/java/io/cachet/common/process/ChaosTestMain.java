package io.cachet.common.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * A small part for {@link PartProcessTest}, run in its own process. It serves lines on a loopback
 * port: {@code print TEXT} prints TEXT on standard output and answers {@code ok}; any other line is
 * echoed. It prints {@code env KEY=VALUE} for each {@code CACHET_*} variable it was given, then {@code event=test_serving port=N} once listening, and on SIGTERM exits with the
 * code given as its first argument.
 *
 * <p>With {@code spawn} as its first argument it instead starts a second copy of itself through
 * {@link PartProcess}, prints {@code child=PID} once that one serves, and exits 0: the copy must
 * not outlive it.
 */
public final class ChaosTestMain {
  private ChaosTestMain() {}

  public static void main(String[] args) throws Exception {
    System.getenv().forEach((k, v) -> {
      if (k.startsWith("CACHET_")) {
        System.out.println("env " + k + "=" + v);
      }
    });
    if (args.length > 0 && args[0].equals("spawn")) {
      spawn(Path.of(args[1]));
      return;
    }
    int exitOnTerm = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("event=test_stopping");
      Runtime.getRuntime().halt(exitOnTerm);
    }));
    try (ServerSocket server = new ServerSocket()) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      System.err.println("event=test_started");
      System.out.println("event=test_serving port=" + server.getLocalPort());
      while (true) {
        Socket s = server.accept();
        Thread t = new Thread(() -> serve(s));
        t.setDaemon(true);
        t.start();
      }
    }
  }

  private static void serve(Socket s) {
    try (s;
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("print ")) {
          System.out.println(line.substring("print ".length()));
          out.println("ok");
        } else {
          out.println(line);
        }
      }
    } catch (IOException e) {
      // the test closed its end
    }
  }

  private static void spawn(Path dir) throws Exception {
    PartProcess child = PartProcess.start("grandchild", PartLaunch.of("grandchild", ChaosTestMain.class, dir)
        .withArgs("0"));
    child.awaitLine(Pattern.compile("event=test_serving"), Duration.ofSeconds(60));
    System.out.println("child=" + child.pid());
    System.exit(0);
  }
}
