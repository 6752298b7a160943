package io.cachet.cli.policy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.Connection;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.cli.UsageException;
import io.cachet.cli.contact.AddressBook;
import io.cachet.cli.id.IdentityStore;
import io.cachet.client.ClientConfig;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.Keystore;
import io.cachet.policy.PolicyChain;
import io.cachet.policy.PolicySummary;
import io.cachet.policy.evm.EvmPolicyChain;
import io.cachet.policy.evm.LogScanTooLongException;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cachet policy list}: the policies my identities own or administer on the network's chain.
 * Addresses are public in the keystore files, so no passphrase is asked. Every identity of the
 * kind the chain signs with is looked up ({@code --as} narrows to one); a policy two of them manage
 * is listed once for each.
 */
@Command(name = "list", description = {"List the policies you own or administer on this network's chain.",
    "For each of your identities of the chain's kind (--as narrows to one). Needs no passphrase."},
    footer = {"", "On an EVM chain the contract's events are read from the descriptor's",
        "chain.deployBlock (else block 0), in ranges of 2000 blocks, in at most",
        "1000 calls; on a long chain give the contract's deployment block with",
        "--from-block.",
        "", "Examples:", "  cachet policy list",
        "  cachet policy list --as alice --json"})
final class PolicyListCommand implements Callable<Integer> {
  /** The reason code of a listing whose scan of the chain's events would pass its caps. */
  static final String SCAN_TOO_LONG = "SCAN_TOO_LONG";

  @Spec CommandSpec spec;
  @Mixin Connection connection;

  @Option(names = "--from-block", paramLabel = "N",
      description = "EVM chains: read the contract's events from block N (default: the descriptor's"
          + " chain.deployBlock, else 0).")
  Long fromBlock;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  /** One identity's role in one policy. */
  private record Row(String identity, String role, PolicySummary policy) {}

  @Override
  public Integer call() throws Exception {
    ClientConfig config = connection.config();
    if (fromBlock != null && fromBlock < 0) {
      throw new UsageException("--from-block must be 0 or more, was " + fromBlock);
    }
    long start = fromBlock != null ? fromBlock : config.chain().deployBlock();
    Keystore.KeyType kind = config.chain().isEvm() ? Keystore.KeyType.SECP256K1 : Keystore.KeyType.ED25519;
    List<IdentityStore.Entry> mine = identities(kind);
    AddressBook book = connection.home.addressBook();
    List<Row> rows = new ArrayList<>();
    long head;
    try (PolicyChain chain = connection.reader(config)) {
      for (IdentityStore.Entry e : mine) {
        List<PolicySummary> found = chain instanceof EvmPolicyChain evm ? managedOnEvm(evm, e, start)
            : chain.managedBy(e.address());
        for (PolicySummary p : found) {
          rows.add(new Row(e.name(), p.owner().equals(e.address()) ? "owner" : "admin", p));
        }
      }
      head = chain.head().timeMillis();
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode doc = Json.object();
      doc.put("ledgerId", config.ledgerId());
      ArrayNode ids = doc.putArray("identities");
      mine.forEach(e -> ids.add(e.name()));
      ArrayNode list = doc.putArray("policies");
      for (Row r : rows) {
        ObjectNode o = list.addObject();
        o.put("id", r.policy().id().toString());
        o.put("kind", r.policy().kind());
        o.put("identity", r.identity());
        o.put("role", r.role());
        o.put("owner", r.policy().owner().toString());
        book.nameOf(r.policy().owner()).ifPresent(n -> o.put("ownerName", n));
        o.put("admins", r.policy().admins().size());
        o.put("members", r.policy().members());
        o.put("version", r.policy().version());
        if (r.policy().unlockAt() > 0) {
          o.put("unlockAt", Instant.ofEpochMilli(r.policy().unlockAt()).toString());
        }
      }
      Json.print(out, doc);
      return ExitCodes.OK;
    }
    if (rows.isEmpty()) {
      out.println("no policies owned or administered by " + names(mine) + " on " + config.ledgerId()
          + "; create one with 'cachet policy create'");
      return ExitCodes.OK;
    }
    LocalTimes times = new LocalTimes(LocalTimes.zone(), head);
    List<String[]> table = new ArrayList<>();
    table.add(new String[] {"POLICY", "KIND", "ROLE", "AS", "MEMBERS", "OPENS"});
    for (Row r : rows) {
      PolicySummary p = r.policy();
      table.add(new String[] {shortId(p.id().toString()), p.kind(), r.role(), r.identity(),
          "allow-list".equals(p.kind()) ? Long.toString(p.members()) : "-",
          p.unlockAt() > 0 ? times.atRelative(p.unlockAt()) : "-"});
    }
    Columns.print(out, "", table);
    if (rows.size() >= PolicyChain.MAX_MANAGED_LISTED) {
      out.println("(the first " + PolicyChain.MAX_MANAGED_LISTED + " by id for an identity; narrow with --as)");
    }
    return ExitCodes.OK;
  }

  /** My identities of {@code kind}, or only the one {@code --as} names (which must be of that kind). */
  private List<IdentityStore.Entry> identities(Keystore.KeyType kind) throws Exception {
    IdentityStore store = connection.identities();
    String as = connection.asOption();
    if (as != null) {
      IdentityStore.Entry e = store.show(store.resolve(as));
      if (e.kind() != kind) {
        throw new UsageException("'" + e.name() + "' is a " + e.kind().wireName() + " identity, and this network's"
            + " chain takes " + kind.wireName() + " ones: pick another with --as, or leave --as out");
      }
      return List.of(e);
    }
    List<IdentityStore.Entry> all = store.list().stream().filter(e -> e.kind() == kind).toList();
    if (all.isEmpty()) {
      throw new UsageException("none of your identities is of the kind this network's chain takes ("
          + kind.wireName() + "): create one with 'cachet id new NAME" + (kind == Keystore.KeyType.SECP256K1
          ? " --evm'" : "'"));
    }
    return all;
  }

  private static String names(List<IdentityStore.Entry> ids) {
    return String.join(", ", ids.stream().map(IdentityStore.Entry::name).toList());
  }

  /** The first 6 and last 4 hex digits of a policy id: enough to tell policies apart by eye. */
  static String shortId(String id) {
    return id.length() <= 14 ? id : id.substring(0, 8) + "…" + id.substring(id.length() - 4);
  }

  /** One identity's policies on an EVM chain; a scan past its caps is told how to start later. */
  private static List<PolicySummary> managedOnEvm(EvmPolicyChain evm, IdentityStore.Entry e, long start)
      throws IOException, CachetSecurityException {
    try {
      return evm.managedBy(e.address(), start);
    } catch (LogScanTooLongException tooLong) {
      throw new UsageException(SCAN_TOO_LONG, tooLong.getMessage(), "Give the contract's deployment block with"
          + " --from-block N, or set chain.deployBlock in the network descriptor.");
    }
  }

}
