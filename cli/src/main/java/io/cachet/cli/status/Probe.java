package io.cachet.cli.status;

import io.vertx.core.json.JsonObject;

/**
 * What one part of a network answered to {@code cachet status}.
 *
 * @param name the part as a person names it: "ledger", "evm-rpc", a key server's id, "publisher", "aggregator"
 * @param role "ledger", "key-server" or "storage"
 * @param where host and port: never a path or query, where providers put API keys
 * @param up whether it answered as that part does
 * @param state its own word for its health where it has one ("serving", "stale", "ok"), else "up" or "down"
 * @param height the ledger height (block number on an EVM chain) it is at, or -1 when it says none
 * @param detail why it is down, or null
 * @param storage what a Cachet gateway's {@code /health} told of its nodes and repair, or null (any other part,
 *     or a gateway that is not ours)
 */
record Probe(String name, String role, String where, boolean up, String state, long height, String detail,
    JsonObject storage) {
  Probe(String name, String role, String where, boolean up, String state, long height, String detail) {
    this(name, role, where, up, state, height, detail, null);
  }

  static Probe down(String name, String role, String where, String detail) {
    return new Probe(name, role, where, false, "down", -1, detail);
  }
}
