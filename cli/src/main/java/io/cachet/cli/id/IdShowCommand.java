package io.cachet.cli.id;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.CachetHome;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.crypto.Keystore;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "show", description = {"Show an identity's kind, address and keystore file.",
    "The address is what others grant access to; an EVM one is EIP-55 checksummed."},
    footer = {"", "Examples:", "  cachet id show", "  cachet id show bob --json"})
final class IdShowCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CachetHome home;

  @Parameters(paramLabel = "NAME", arity = "0..1", description = "The identity (default: the default one).")
  String name;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    IdentityStore store = new IdentityStore(home.ids());
    print(spec.commandLine().getOut(), store.show(store.resolve(name)), json, null);
    return ExitCodes.OK;
  }

  static ObjectNode toJson(IdentityStore.Entry e) {
    ObjectNode o = Json.object();
    o.put("name", e.name());
    o.put("address", e.address().toString());
    o.put("kind", e.kind().wireName());
    o.put("default", e.isDefault());
    o.put("keystore", e.file().toString());
    return o;
  }

  /** How a listing names the kind: the key type and where it is used. */
  static String kindLabel(Keystore.KeyType kind) {
    return kind == Keystore.KeyType.SECP256K1 ? "secp256k1 (EVM)" : "ed25519";
  }

  static void print(PrintWriter out, IdentityStore.Entry e, boolean json, String verb) {
    if (json) {
      Json.print(out, toJson(e));
      return;
    }
    out.println((verb == null ? "" : verb + " ") + "identity " + e.name() + (e.isDefault() ? " (default)" : ""));
    out.println("  kind      " + kindLabel(e.kind()));
    out.println("  address   " + e.address());
    out.println("  keystore  " + e.file());
  }
}
