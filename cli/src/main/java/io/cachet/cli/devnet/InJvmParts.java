package io.cachet.cli.devnet;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/** A devnet whose parts run inside the daemon's own JVM ({@link Devnet}): the default, fastest to start. */
final class InJvmParts implements DevnetParts {
  private final Devnet devnet;

  InJvmParts(Devnet devnet) {
    this.devnet = devnet;
  }

  @Override
  public Path dir() {
    return devnet.dir();
  }

  @Override
  public JsonObject status() {
    JsonArray parts = new JsonArray();
    for (Devnet.PartStatus p : devnet.status().values()) {
      parts.add(new JsonObject().put("name", p.name()).put("running", p.running()).put("url", p.url()));
    }
    return new JsonObject().put("dir", devnet.dir().toString()).put("pid", ProcessHandle.current().pid())
        .put("mode", DevnetMode.IN_JVM.word()).put("viewerUrl", devnet.viewerUrl())
        .put("ledgerHeight", devnet.ledgerHeight()).put("descriptor", devnet.descriptorFile().toString())
        .put("chain", devnet.isEvm() ? Devnet.CHAIN_EVM : Devnet.CHAIN_EMBEDDED)
        .put("parts", parts);
  }

  @Override
  public int stop(String part) throws Exception {
    devnet.stop(part);
    return 0;
  }

  @Override
  public void start(String part) throws Exception {
    devnet.start(part);
  }

  /** Refused: a part inside the JVM has no process of its own to kill. */
  @Override
  public int kill(String part) {
    throw new DevnetException(DevnetException.NEEDS_PROCESSES, "'devnet stop --kill' needs a devnet of processes:"
        + " this one runs every part in one JVM; start one with 'cachet devnet up --processes --dir OTHER_DIR'");
  }

  @Override
  public void close() {
    devnet.close();
  }
}
