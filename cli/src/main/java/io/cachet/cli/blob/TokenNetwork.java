package io.cachet.cli.blob;

import io.cachet.cli.Connection;
import io.cachet.cli.UsageException;
import io.cachet.client.ClientConfig;
import io.cachet.crypto.Base64Url;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Hex;
import io.cachet.crypto.VerifyingKey;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which network a share token is opened on. The token carries a network descriptor, but whoever
 * made the token chose it: its sequencer key and key servers' signing keys are trust anchors, and
 * a token must not be able to replace the reader's. So a token is opened on the reader's own
 * network ({@code --network}, else {@code HOME/network.json}, else the devnet's), and one that
 * names anything else is refused, each difference named, unless the reader says they trust it.
 *
 * <p>Compared: the ledger's URL, id and sequencer key; the threshold; each key server's id, URL
 * and signing key; the publisher and aggregator. Not compared: the default number of epochs, which
 * only shapes a put. URLs compare as written, less a trailing slash.
 */
final class TokenNetwork {
  /** How many characters of a key's base64url a difference shows: enough to tell keys apart. */
  private static final int KEY_PREFIX = 12;

  private TokenNetwork() {}

  /** The network to open {@code token} on, and whether it is the token's rather than the reader's own. */
  record Choice(ClientConfig config, boolean tokens, List<String> differences) {}

  static Choice choose(ShareToken token, Connection connection, boolean trustToken)
      throws IOException, UntrustedNetworkException {
    ClientConfig named = parse(token);
    Path ownFile;
    try {
      ownFile = connection.networkFile();
    } catch (UsageException none) {
      if (trustToken) {
        return new Choice(named, true, List.of("you have no network of your own"));
      }
      throw new UntrustedNetworkException("you have no network of your own to check the share token against (no"
          + " --network, no network.json, no devnet); the token names ledger '" + named.ledgerId() + "' at "
          + named.chainWhere() + " with " + named.threshold() + " of " + named.keyServers().size() + " key servers");
    }
    ClientConfig own = connection.config();
    List<String> differences = differences(own, named);
    if (differences.isEmpty()) {
      return new Choice(own, false, List.of());
    }
    if (trustToken) {
      return new Choice(named, true, differences);
    }
    throw new UntrustedNetworkException("the share token names another network than yours (" + ownFile + "): "
        + String.join("; ", differences));
  }

  private static ClientConfig parse(ShareToken token) {
    try {
      return ClientConfig.parse(token.network());
    } catch (FormatException e) {
      throw new UsageException("the share token's network is not usable: " + e.getMessage());
    }
  }

  /** Every way {@code theirs} differs from {@code mine}, one phrase each; empty when they name one network. */
  static List<String> differences(ClientConfig mine, ClientConfig theirs) {
    List<String> out = new ArrayList<>();
    compare(out, "chain", mine.chain().toString(), theirs.chain().toString());
    if (mine.chain().isEvm() && theirs.chain().isEvm()) {
      compare(out, "chain.policies", mine.chain().policies().toString(), theirs.chain().policies().toString());
      compare(out, "chain.blobRegistry", mine.chain().blobRegistry().toString(),
          theirs.chain().blobRegistry().toString());
    }
    compare(out, "ledger.url", url(mine.ledgerUrl()), url(theirs.ledgerUrl()));
    compare(out, "ledger.ledgerId", mine.ledgerId(), theirs.ledgerId());
    compareKeys(out, "ledger.sequencerKey", mine.sequencerKey(), theirs.sequencerKey());
    if (mine.genesisDigest() != null && theirs.genesisDigest() != null
        && !Arrays.equals(mine.genesisDigest(), theirs.genesisDigest())) {
      out.add("ledger.genesisDigest: yours is " + Hex.to0x(mine.genesisDigest()) + ", the token's "
          + Hex.to0x(theirs.genesisDigest()));
    }
    compare(out, "keyServers.threshold", Integer.toString(mine.threshold()), Integer.toString(theirs.threshold()));
    Map<String, ClientConfig.KeyServer> ours = byId(mine);
    Map<String, ClientConfig.KeyServer> tokens = byId(theirs);
    for (String id : ours.keySet()) {
      if (!tokens.containsKey(id)) {
        out.add("key server " + id + " is yours, not the token's");
      }
    }
    for (Map.Entry<String, ClientConfig.KeyServer> e : tokens.entrySet()) {
      ClientConfig.KeyServer o = ours.get(e.getKey());
      if (o == null) {
        out.add("key server " + e.getKey() + " is the token's, not yours");
        continue;
      }
      String at = "key server " + e.getKey();
      compare(out, at + " url", url(o.url()), url(e.getValue().url()));
      compareKeys(out, at + " signingKey", o.signingKey(), e.getValue().signingKey());
    }
    compare(out, "storage.publisher", url(mine.publisher()), url(theirs.publisher()));
    compare(out, "storage.aggregator", url(mine.aggregator()), url(theirs.aggregator()));
    return out;
  }

  private static void compare(List<String> out, String field, String mine, String theirs) {
    if (!mine.equals(theirs)) {
      out.add(field + ": yours is " + mine + ", the token's " + theirs);
    }
  }

  /** Trust anchors are compared whole; only the message shortens them. */
  private static void compareKeys(List<String> out, String field, VerifyingKey mine, VerifyingKey theirs) {
    if (mine == null || theirs == null) {
      // an EVM network has no sequencer: the chain's comparison above says how the two differ
      return;
    }
    if (!Arrays.equals(mine.bytes(), theirs.bytes())) {
      out.add(field + ": yours is " + key(mine) + ", the token's " + key(theirs));
    }
  }

  private static Map<String, ClientConfig.KeyServer> byId(ClientConfig c) {
    Map<String, ClientConfig.KeyServer> m = new TreeMap<>();
    c.keyServers().forEach(k -> m.put(k.id(), k));
    return m;
  }

  private static String url(URI u) {
    if (u == null) {
      return "none";
    }
    String s = u.toString();
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  private static String key(VerifyingKey k) {
    String full = Base64Url.encode(k.bytes());
    return full.length() <= KEY_PREFIX ? full : full.substring(0, KEY_PREFIX) + "…";
  }
}
