package io.cachet.cli.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.CachetHome;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.cli.PassphraseOptions;
import io.cachet.cli.TimeArgs;
import io.cachet.cli.UsageException;
import io.cachet.cli.id.IdentityStore;
import io.cachet.crypto.WrongPassphraseException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "add", description = {"Unlock an identity into the agent.",
    "Its passphrase is asked here (or read from --passphrase-file / $CACHET_PASSPHRASE) and sent over the"
        + " private socket; the agent opens the keystore and holds the key until its time-to-live passes,"
        + " 'cachet agent lock' or 'cachet agent stop'."},
    footer = {"", "Examples:", "  cachet agent add", "  cachet agent add bob --ttl 30m"})
final class AgentAddCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CachetHome home;
  @Mixin PassphraseOptions passphrase;

  @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "The identity (default: the default one).")
  String name;

  @Option(names = "--ttl", paramLabel = "DURATION", description = "How long to hold it (default: the agent's, set at"
      + " 'agent start').")
  String ttl;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    String who = new IdentityStore(home.ids()).resolve(name);
    long seconds = ttl == null ? 0 : Math.max(1, TimeArgs.duration(ttl).toSeconds());
    try (SocketChannel probe = AgentSocket.connect(home.dir())) {
      // there is an agent to send the passphrase to: only now is it asked for
    } catch (IOException e) {
      throw new UsageException("no agent runs for " + home.dir() + ": start one with 'cachet agent start'");
    }
    char[] pass = passphrase.read("identity '" + who + "'", false);
    byte[] secret = encode(pass);
    AgentSocket.Reply reply;
    try {
      reply = AgentSocket.control(home.dir(), AgentFrames.ADD,
          AgentFrames.encodeStrings(List.of(who, Long.toString(seconds))), secret);
    } finally {
      Arrays.fill(pass, '\0');
      Arrays.fill(secret, (byte) 0);
    }
    switch (reply.exit()) {
      case ExitCodes.OK -> { }
      case ExitCodes.REFUSED -> throw new WrongPassphraseException();
      case ExitCodes.USAGE -> throw new UsageException(reply.err().strip());
      default -> throw new IOException(reply.err().strip());
    }
    String[] h = reply.out().strip().split("\t", 3);
    Instant until = Instant.ofEpochSecond(Long.parseLong(h[2]));
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode doc = Json.object();
      doc.put("name", h[0]);
      doc.put("address", h[1]);
      doc.put("until", until.toString());
      Json.print(out, doc);
    } else {
      out.println("the agent holds '" + h[0] + "' until " + AgentStatusCommand.local(until) + ", in "
          + AgentStatusCommand.inWords(Duration.between(Instant.now(), until)));
    }
    return ExitCodes.OK;
  }

  private static byte[] encode(char[] pass) {
    ByteBuffer b = StandardCharsets.UTF_8.encode(CharBuffer.wrap(pass));
    byte[] out = new byte[b.remaining()];
    b.get(out);
    Arrays.fill(b.array(), (byte) 0);
    return out;
  }
}
