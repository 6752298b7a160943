package io.cachet.cli.console;

import io.cachet.cli.CachetHome;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.InputFile;
import io.cachet.cli.Invocation;
import io.cachet.cli.Json;
import io.cachet.cli.JsonAnswer;
import io.cachet.common.io.DurableFiles;
import io.cachet.common.process.Termination;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code cachet console}: a web console on this machine for files, policies, the network and
 * identities. It prints a link carrying a one-time token, the way Jupyter does, and serves until
 * stopped (Ctrl-C); see {@link ConsoleGate} for what keeps other pages and users out.
 */
@Command(name = "console", description = {"Serve a web console on this machine (127.0.0.1 only) and print its link.",
    "Files (upload, download, share), policies (grants on a timeline, revocation, time locks), the network's"
        + " health live, and identities and contacts. Files are sealed and opened in this process, so plaintext"
        + " goes only between it and your browser. The link works once: it opens one browser session."},
    footer = {"", "Examples:", "  cachet console", "  cachet console --open",
        "  cachet console --network testnet.json --port 8765"})
public final class ConsoleCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CachetHome home;

  @Option(names = "--network", paramLabel = "FILE",
      description = "The network descriptor (default: HOME/network.json, else the devnet's).")
  Path network;

  @Option(names = "--port", paramLabel = "N", description = "The port on 127.0.0.1 (default: a free one).")
  int port;

  @Option(names = "--open", description = "Open the link in the desktop's browser.")
  boolean open;

  @Option(names = "--json", description = "Print the link as JSON ({\"url\": ...}) once serving.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (network != null) {
      network = InputFile.regular(network, "the network descriptor", "Give its file (a devnet's is"
          + " DIR/cachet-network.json).");
    }
    if (port < 0 || port > 65_535) {
      throw new io.cachet.cli.UsageException("--port must be between 0 and 65535");
    }
    ConsoleServer server = ConsoleServer.start(new ConsoleServer.Options(home.dir(), network, port,
        Invocation.current().environment()));
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (json) {
      Json.print(out, Json.object().put("url", server.link().toString()).put("port", server.port()));
      // the command never ends, so its document is released now rather than at the end
      JsonAnswer.release(out);
    } else {
      out.println(server.link());
      err.println("cachet console: serving on " + server.origin() + " (this machine only); open the link above"
          + " (it works once). Ctrl-C stops it.");
    }
    out.flush();
    err.flush();
    if (open && !openBrowser(home.dir(), server.link().toString())) {
      err.println("cachet console: could not start a browser here; open the link yourself");
      err.flush();
    }
    Termination.onSignal("console", server::close);
    new CountDownLatch(1).await(); // Termination exits the process once the console has stopped
    return ExitCodes.OK;
  }

  /**
   * Hands the link to the desktop's opener, through a private file that redirects to it (as Jupyter
   * does): a program's arguments are visible to every user of the machine, and whoever used the
   * one-time link first would have the session. False when there is no opener.
   */
  private static boolean openBrowser(Path home, String link) {
    Path page;
    try {
      page = DurableFiles.privateDirectory(home.resolve("console")).resolve("open.html");
      String html = "<!doctype html><html><head><meta charset=utf-8><meta http-equiv=refresh content=\"0;url=" + link
          + "\"><title>Cachet console</title></head><body><a href=\"" + link + "\">Open the Cachet console</a></body>"
          + "</html>\n";
      DurableFiles.write(page, html.getBytes(StandardCharsets.UTF_8), true);
    } catch (IOException e) {
      return false;
    }
    String target = page.toUri().toString();
    String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
    String[] command = os.contains("mac") ? new String[] {"open", target}
        : os.contains("win") ? new String[] {"rundll32", "url.dll,FileProtocolHandler", target}
        : new String[] {"xdg-open", target};
    try {
      new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
