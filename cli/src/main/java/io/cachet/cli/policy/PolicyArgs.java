package io.cachet.cli.policy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.Ids;
import io.cachet.cli.Json;
import io.cachet.cli.UsageException;
import io.cachet.cli.contact.AddressBook;
import io.cachet.client.ClientConfig;
import io.cachet.crypto.Address;
import io.cachet.crypto.EvmLedgerId;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.AllowList;
import io.cachet.policy.Composite;
import io.cachet.policy.Policy;
import io.cachet.policy.PolicyRef;
import io.cachet.policy.TimeLock;
import io.cachet.policy.TokenGate;
import io.cachet.policy.Window;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/** Parsing of policy ids, members, contracts and policy parts, and the one way a policy is printed. */
final class PolicyArgs {
  private PolicyArgs() {}

  /**
   * Refuses (exit 2, one line) what only an EVM chain has, before a passphrase is asked for, when
   * the network's policies live on the embedded ledger.
   *
   * @param what the feature, as the start of a sentence ("token gates")
   */
  static void requireEvm(ClientConfig config, String what) {
    if (!config.chain().isEvm()) {
      throw new UsageException(what + " need an EVM chain, and this network's policies live on the embedded ledger"
          + " '" + config.ledgerId() + "': start a local one with 'cachet devnet up --chain evm', or give --network"
          + " FILE naming one");
    }
  }

  /** An EVM address given to {@code option}: 0x and 40 hex digits. */
  static Address evmAddress(String text, String option) {
    Address a;
    try {
      a = Address.parse(text.trim());
    } catch (FormatException e) {
      throw new UsageException(option + ": '" + text + "' is not an EVM address (0x and 40 hex digits): "
          + e.getMessage());
    }
    if (!a.isEvm()) {
      throw new UsageException(option + ": '" + text + "' is not an EVM address (0x and 40 hex digits)");
    }
    return a;
  }

  /**
   * A part of a composite: a policy id of the chain's stock contract, or {@code 0xCONTRACT/0xID}
   * for a policy of another contract on the same chain.
   */
  static PolicyRef part(String text, ClientConfig config) {
    int slash = text.indexOf('/');
    if (slash < 0) {
      return new PolicyRef(config.ledgerId(), policyId(text));
    }
    Address contract = evmAddress(text.substring(0, slash), "part " + text);
    return new PolicyRef(new EvmLedgerId(config.chain().chainId(), contract).toString(),
        policyId(text.substring(slash + 1)));
  }

  static PolicyId policyId(String text) {
    return Ids.policy(text);
  }

  /**
   * A member, admin or new owner as typed: an address ({@code 0x...}), or the name of one of my
   * identities or contacts ({@link AddressBook#resolve}), of the kind the network's chain names
   * people by (an EVM address on an EVM chain, a Cachet one on the embedded ledger): the wrong kind
   * is refused here (exit 2), before a passphrase is asked.
   */
  static Address member(AddressBook book, String text, ClientConfig config) throws IOException {
    Address a = book.resolve(text);
    boolean evm = config.chain().isEvm();
    if (a.isEvm() != evm) {
      String who = text.startsWith("0x") ? a.toString() : "'" + text + "' (" + a + ")";
      throw new UsageException(who + (evm
          ? " is a Cachet (Ed25519) address, and this network's policies live on an EVM chain, which names people"
              + " by EVM addresses (0x and 40 hex digits): ask them for the line 'cachet id export' prints for"
              + " an identity made with 'cachet id new NAME --evm'"
          : " is an EVM address, and this network's policies live on the embedded ledger, which names people by"
              + " Cachet addresses (0x and 64 hex digits): ask them for the line 'cachet id export' prints for"
              + " an identity made with 'cachet id new NAME'"));
    }
    return a;
  }

  static String window(Window w) {
    String from = w.notBefore() <= 0 ? "always" : Instant.ofEpochMilli(w.notBefore()).toString();
    String until = w.notAfter() == Long.MAX_VALUE ? "no end" : Instant.ofEpochMilli(w.notAfter()).toString();
    return w.notBefore() <= 0 && w.notAfter() == Long.MAX_VALUE ? "always" : "from " + from + " until " + until;
  }

  static ObjectNode toJson(Policy policy) {
    ObjectNode o = Json.object();
    if (policy instanceof AllowList a) {
      o.put("kind", "allow-list");
      o.put("id", a.id().toString());
      o.put("owner", a.owner().toString());
      o.put("version", a.version());
      ArrayNode admins = o.putArray("admins");
      a.admins().forEach(x -> admins.add(x.toString()));
      ArrayNode members = o.putArray("members");
      for (Map.Entry<Address, Window> m : a.members().entrySet()) {
        ObjectNode e = members.addObject();
        e.put("address", m.getKey().toString());
        e.put("notBefore", m.getValue().notBefore());
        e.put("notAfter", m.getValue().notAfter() == Long.MAX_VALUE ? null : m.getValue().notAfter());
      }
    } else if (policy instanceof TimeLock t) {
      o.put("kind", "time-lock");
      o.put("id", t.id().toString());
      o.put("owner", t.owner().toString());
      o.put("version", t.version());
      o.put("unlockAt", Instant.ofEpochMilli(t.unlockAt()).toString());
    } else if (policy instanceof TokenGate g) {
      o.put("kind", "token-gate");
      o.put("id", g.id().toString());
      o.put("owner", g.owner().toString());
      o.put("version", g.version());
      ArrayNode admins = o.putArray("admins");
      g.admins().forEach(x -> admins.add(x.toString()));
      o.put("standard", g.standard().name().toLowerCase(Locale.ROOT));
      o.put("token", g.token().toString());
      o.put("minimum", g.minimum().toString());
    } else if (policy instanceof Composite c) {
      o.put("kind", composite(c.mode()));
      o.put("id", c.id().toString());
      o.put("owner", c.owner().toString());
      o.put("version", c.version());
      ArrayNode parts = o.putArray("parts");
      c.parts().forEach(p -> parts.addObject().put("ledgerId", p.ledgerId()).put("policyId", p.policyId().toString()));
    }
    return o;
  }

  static void print(PrintWriter out, Policy policy) {
    if (policy instanceof AllowList a) {
      out.println("allow-list " + a.id() + " (version " + a.version() + ")");
      out.println("  owner    " + a.owner());
      a.admins().forEach(x -> out.println("  admin    " + x));
      if (a.members().isEmpty()) {
        out.println("  no members yet: cachet policy grant " + a.id() + " ADDRESS|NAME");
      }
      a.members().forEach((addr, w) -> out.println("  member   " + addr + "  " + window(w)));
    } else if (policy instanceof TimeLock t) {
      out.println("time lock " + t.id() + " (version " + t.version() + ")");
      out.println("  owner    " + t.owner());
      out.println("  opens at " + Instant.ofEpochMilli(t.unlockAt()) + " (anyone may read from then on)");
    } else if (policy instanceof TokenGate g) {
      out.println("token gate " + g.id() + " (version " + g.version() + ")");
      out.println("  owner    " + g.owner());
      g.admins().forEach(x -> out.println("  admin    " + x));
      String unit = g.standard() == TokenGate.Standard.ERC721 ? " token(s) of the ERC-721 " : " of the ERC-20 ";
      out.println("  readers  holders of at least " + g.minimum() + unit + g.token());
    } else if (policy instanceof Composite c) {
      out.println(composite(c.mode()) + " " + c.id() + " (version " + c.version() + ")");
      out.println("  owner    " + c.owner());
      out.println("  readers  whom " + (c.mode() == Composite.Mode.ALL_OF ? "every part" : "at least one part")
          + " allows:");
      c.parts().forEach(p -> out.println("  part     " + p));
    }
  }

  private static String composite(Composite.Mode mode) {
    return mode == Composite.Mode.ALL_OF ? "all-of" : "any-of";
  }
}
