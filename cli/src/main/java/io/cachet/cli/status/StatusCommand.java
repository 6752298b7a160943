package io.cachet.cli.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.Connection;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.client.ClientConfig;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cachet status}: the health of every part of the network a descriptor names, the ledger's
 * height and how far each key server's view lags behind it. Probes run at once, each held to
 * {@link NetworkProber#CONNECT_TIMEOUT} and {@link NetworkProber#ANSWER_TIMEOUT}. Exit 0 when every
 * part answers and every key server is serving within {@link #MAX_HEALTHY_LAG_BLOCKS} of the
 * chain; 1 when some part is down, stale or lagging; 4 when nothing answers at all.
 */
@Command(name = "status", description = {"Show the health of each part of the network.",
    "The ledger or EVM RPC, each key server, the publisher and the aggregator; the ledger's height and each"
        + " key server's lag behind it. Works for any network descriptor; 'cachet devnet status' shows the"
        + " local devnet's processes."},
    footer = {"", "Exit codes: 0 every part is up and in step, 1 a part is down, stale or lagging,",
        "4 nothing answered.",
        "", "Examples:", "  cachet status", "  cachet status --network testnet.json --json"})
public final class StatusCommand implements Callable<Integer> {
  /**
   * Blocks a key server may be behind the chain and still count as in step: a follower applies a
   * block a moment after it is made, and the probes do not all read at the same instant.
   */
  static final long MAX_HEALTHY_LAG_BLOCKS = 5;

  @Spec CommandSpec spec;
  @Mixin Connection connection;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    ClientConfig config = connection.config();
    List<Probe> probes;
    try (NetworkProber prober = new NetworkProber()) {
      probes = prober.probe(config);
    }
    Probe chain = probes.get(0);
    // on an EVM chain key servers decide at head - confirmations: that is where "in step" is
    long decided = chain.up() ? chain.height() - (config.chain().isEvm() ? config.chain().confirmations() : 0) : -1;
    List<String> trouble = new ArrayList<>();
    boolean anyUp = false;
    for (Probe p : probes) {
      anyUp |= p.up();
      if (!p.up()) {
        trouble.add(p.name() + " down");
      } else if ("key-server".equals(p.role()) && !"serving".equals(p.state())) {
        trouble.add(p.name() + " " + p.state());
      } else if ("key-server".equals(p.role()) && lag(decided, p) > MAX_HEALTHY_LAG_BLOCKS) {
        trouble.add(p.name() + " " + lag(decided, p) + " blocks behind");
      }
    }
    int exit = !anyUp ? ExitCodes.IO : trouble.isEmpty() ? ExitCodes.OK : ExitCodes.FAILED;
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode doc = Json.object();
      doc.put("network", connection.networkFile().toString());
      doc.put("chain", config.chain().isEvm() ? "evm" : "embedded");
      doc.put("ledgerId", config.ledgerId());
      if (chain.up()) {
        doc.put("height", chain.height());
      } else {
        doc.putNull("height");
      }
      doc.put("healthy", trouble.isEmpty());
      ArrayNode parts = doc.putArray("parts");
      for (Probe p : probes) {
        ObjectNode o = parts.addObject();
        o.put("name", p.name());
        o.put("role", p.role());
        o.put("url", p.where());
        o.put("up", p.up());
        o.put("state", p.state());
        if (p.height() >= 0) {
          o.put("height", p.height());
        }
        if ("key-server".equals(p.role()) && p.up() && decided >= 0) {
          o.put("lag", lag(decided, p));
        }
        if (p.detail() != null) {
          o.put("detail", p.detail());
        }
      }
      for (Probe p : probes) {
        if ("aggregator".equals(p.name()) && p.storage() != null) {
          // the gateway's own word on its nodes (state, used space, shards) and on repair
          doc.set("storage", new ObjectMapper().readTree(p.storage().encode()));
        }
      }
      ArrayNode problems = doc.putArray("problems");
      trouble.forEach(problems::add);
      Json.print(out, doc);
    } else {
      out.println("network " + connection.networkFile() + "  (" + (config.chain().isEvm()
          ? "policies on " + config.chain() : "embedded ledger " + config.ledgerId()) + ")");
      for (Probe p : probes) {
        String what;
        if (!p.up()) {
          what = p.detail();
        } else if ("key-server".equals(p.role())) {
          what = p.state() + ", height " + p.height() + (decided >= 0 ? ", lag " + lag(decided, p) : "");
        } else if ("ledger".equals(p.role())) {
          what = (config.chain().isEvm() ? "block " : "height ") + p.height();
        } else {
          what = "answers";
        }
        out.printf("  %-10s %-4s  %-36s %s%n", p.name(), p.up() ? "up" : "DOWN", what, p.where());
      }
      if (!anyUp) {
        spec.commandLine().getErr().println("cachet: no part of the network answered: is it running? For the local one"
            + " see 'cachet devnet status'; else check --network");
      } else if (!trouble.isEmpty()) {
        spec.commandLine().getErr().println("cachet: " + String.join("; ", trouble) + ": for the local devnet see"
            + " 'cachet devnet status' ('cachet devnet start PART' starts a stopped part); else ask the network's"
            + " operator");
      }
    }
    return exit;
  }

  /** Blocks {@code p} is behind {@code decided}; never negative (probes do not read at one instant). */
  private static long lag(long decided, Probe p) {
    return Math.max(0, decided - p.height());
  }
}
