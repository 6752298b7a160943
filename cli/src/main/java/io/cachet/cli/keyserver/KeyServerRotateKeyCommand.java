package io.cachet.cli.keyserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.cli.serve.ServeOptions;
import io.cachet.keyserver.KeyServerConfig;
import io.cachet.keyserver.KeyServerFiles;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cachet keyserver rotate-key}: adds a new HPKE key version to a stopped key server. New
 * envelopes use it once the server serves again; shares sealed to older versions still open.
 */
@Command(
    name = "rotate-key",
    description = {"Add a new key version to a stopped key server.",
        "New envelopes are sealed to the new version once the server runs again; every older version still opens"
            + " its shares. The server must be stopped: a running one holds its data directory."},
    footer = {"", "Exit codes: 0 rotated, 2 bad configuration, 3 wrong passphrase,",
        "4 the data directory is in use or a file failed.", "",
        "Example:", "  cachet keyserver rotate-key --config /etc/cachet/ks-1.conf"})
final class KeyServerRotateKeyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ServeOptions options;

  @Option(names = "--json", description = "Print JSON: serverId, version, fingerprint, versions.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    KeyServerConfig config = KeyServerServeCommand.load(options);
    PrintWriter out = spec.commandLine().getOut();
    if (options.printConfig()) {
      out.print(config.render());
      out.flush();
      return ExitCodes.OK;
    }
    KeyServerStartChecks.files(config);
    if (options.check()) {
      // the checks a rotation needs, without the rotation (and without the passphrase's slow key derivation)
      out.println("ok: server " + config.serverId() + "'s data directory and files could be rotated");
      return ExitCodes.OK;
    }
    KeyServerFiles.Rotated r = KeyServerFiles.rotate(config, KeyServerServeCommand.passphrase(config));
    if (json) {
      ObjectNode doc = Json.object();
      doc.put("serverId", config.serverId());
      doc.put("version", r.version());
      doc.put("fingerprint", r.fingerprint());
      doc.put("versions", r.versions());
      Json.print(out, doc);
      return ExitCodes.OK;
    }
    out.println("rotated server=" + config.serverId() + " version=" + r.version() + " fingerprint=" + r.fingerprint()
        + " versions=" + r.versions());
    return ExitCodes.OK;
  }
}
