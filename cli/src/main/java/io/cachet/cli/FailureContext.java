package io.cachet.cli;

import io.cachet.client.ClientConfig;
import io.cachet.client.Unreachable;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * The network a failed command talked to, as far as the failure report needs it: which part of
 * the descriptor listens at a {@code host:port}, and what the person should do when parts cannot
 * be reached: on a devnet's descriptor, look with {@code cachet devnet status} and start it; on any
 * other, check the descriptor given with {@code --network}. Reading the descriptor again here never
 * fails the report: without one, parts are named by address only.
 */
final class FailureContext {
  /** The state file a devnet keeps beside its descriptor: what makes a descriptor the devnet's. */
  private static final String DEVNET_STATE = "devnet.json";

  /** The descriptor file, or null when the command has none (it takes no --network, or none exists). */
  private final Path descriptor;
  /** The devnet's directory when the descriptor is a devnet's, else null. */
  private final Path devnetDir;
  /** Whether the devnet is the one under the state directory, so {@code --dir} need not be said. */
  private final boolean defaultDevnet;
  /** Each part's name ("the ledger", "key server ks-2", ...) and its host:port, in descriptor order. */
  private final Map<String, String> parts = new LinkedHashMap<>();

  private FailureContext(Path descriptor, Path devnetDir, boolean defaultDevnet, ClientConfig config) {
    this.descriptor = descriptor;
    this.devnetDir = devnetDir;
    this.defaultDevnet = defaultDevnet;
    if (config != null) {
      if (config.chain().isEvm()) {
        parts.put("the EVM RPC", Unreachable.where(config.chain().rpcUrl()));
      } else {
        parts.put("the ledger", Unreachable.where(config.ledgerUrl()));
      }
      for (ClientConfig.KeyServer s : config.keyServers()) {
        parts.put("key server " + s.id(), Unreachable.where(s.url()));
      }
      parts.put("the publisher", Unreachable.where(config.publisher()));
      parts.put("the aggregator", Unreachable.where(config.aggregator()));
    }
  }

  /** The context of the command that failed: its {@link Connection}'s descriptor, if it has one. */
  static FailureContext of(CommandLine failed) {
    Connection connection = FailureReport.connection(failed);
    if (connection == null) {
      return new FailureContext(null, null, false, null);
    }
    Path file;
    try {
      file = connection.networkFile().toAbsolutePath().normalize();
    } catch (RuntimeException | java.io.IOException e) {
      return new FailureContext(null, null, false, null);
    }
    ClientConfig config;
    try {
      config = ClientConfig.load(file);
    } catch (Exception e) {
      config = null;
    }
    Path dir = file.getParent();
    boolean devnet = dir != null && Files.isRegularFile(dir.resolve(DEVNET_STATE));
    Path home = connection.home.dir().resolve("devnet").toAbsolutePath().normalize();
    return new FailureContext(file, devnet ? dir : null, devnet && dir.equals(home), config);
  }

  /** The parts listening at {@code where} ({@code host:port}), loopback names taken as one host. */
  List<String> partsAt(String where) {
    List<String> found = new ArrayList<>();
    if (where == null) {
      return found;
    }
    parts.forEach((name, at) -> {
      if (sameEndpoint(at, where)) {
        found.add(name);
      }
    });
    return found;
  }

  /** The host:port of a named part ("the publisher"), or null. */
  String whereOf(String part) {
    return parts.get(part);
  }

  private static boolean sameEndpoint(String a, String b) {
    int ia = a.lastIndexOf(':');
    int ib = b.lastIndexOf(':');
    if (ia < 0 || ib < 0 || !a.substring(ia + 1).equals(b.substring(ib + 1))) {
      return false;
    }
    String ha = a.substring(0, ia);
    String hb = b.substring(0, ib);
    return ha.equalsIgnoreCase(hb) || isLoopback(ha) && isLoopback(hb);
  }

  private static boolean isLoopback(String host) {
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (!host.matches("[0-9.]+|\\[?[0-9A-Fa-f:]+\\]?")) {
      // a name: not resolved here, a report must not wait on DNS
      return false;
    }
    try {
      return InetAddress.getByName(host.replace("[", "").replace("]", "")).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** Whether the descriptor is a devnet's. */
  boolean isDevnet() {
    return devnetDir != null;
  }

  /**
   * What to do when {@code parts} cannot be reached: for a devnet, look and start; else check the
   * descriptor. {@code devnetPart} names the one devnet part to start again ("ledger", "ks-2"), or is null.
   */
  String remedy(String what, String devnetPart) {
    if (devnetDir != null) {
      String dir = defaultDevnet ? "" : " --dir " + devnetDir;
      return "Is the devnet up? 'cachet devnet status" + dir + "' shows each part; "
          + (devnetPart != null ? "'cachet devnet start " + devnetPart + dir + "' starts it again, " : "")
          + "'cachet devnet up" + dir + "' starts the devnet";
    }
    if (descriptor != null) {
      return "Check --network FILE (" + descriptor + "): is " + what + " up, and is its address right?";
    }
    return "Check that " + what + " is up and that its address is right";
  }
}
