package io.cachet.cli.blob;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.Connection;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Ids;
import io.cachet.cli.Json;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code cachet share}: the one line a reader pastes. It needs no passphrase and holds no secret. */
@Command(name = "share", description = {"Print what a reader needs to open BLOB: one line to send.",
    "The line holds a token with the blob id and the network's public URLs and keys. It grants nothing: the"
        + " policy decides who may open it."},
    footer = {"", "Example:", "  cachet share 3h9wJArxUnNIT0ShAFM6Zg6JU5GOgr4bTSwfPUV0eSc"})
public final class ShareCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Connection connection;

  @Parameters(paramLabel = "BLOB_ID", description = "The blob id 'cachet put' printed.")
  String blob;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    String id = Ids.blob(blob).toString();
    String network = Files.readString(connection.networkFile());
    io.cachet.client.ClientConfig.parse(network); // refuse to hand out a descriptor that does not parse
    String token = new ShareToken(id, network).encode();
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode o = Json.object();
      o.put("blobId", id);
      o.put("token", token);
      o.put("command", "cachet get " + token + " -o FILE");
      Json.print(out, o);
    } else {
      out.println("Send this to the reader (public URLs and keys only; the policy decides who may open it):");
      out.println();
      out.println("  cachet get " + token + " -o FILE");
    }
    return ExitCodes.OK;
  }
}
