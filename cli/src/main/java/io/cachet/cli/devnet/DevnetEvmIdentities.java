package io.cachet.cli.devnet;

import io.cachet.cli.id.IdentityStore;
import io.cachet.crypto.EvmIdentity;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Keystore;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Gives the user's identities what they need on an EVM devnet: an identity {@code devnet-evm}
 * holding anvil's dev account 1 (made once, the default if there was none), and ether for gas in
 * every EVM identity of the store that holds less than 1 ether. Anvil's dev keys are public test
 * keys: this is for the local chain only, and the output says so.
 */
final class DevnetEvmIdentities {
  /** The name of the identity the devnet makes from anvil's dev account {@link DevnetAnvil#USER}. */
  static final String NAME = "devnet-evm";

  private DevnetEvmIdentities() {}

  /** Makes {@code devnet-evm} if absent and funds the store's EVM identities; says what it did on {@code out}. */
  static void prepare(IdentityStore store, Path devnetDir, URI rpcUrl, PrintWriter out) throws Exception {
    Path passFile = devnetDir.resolve("secrets").resolve(NAME + ".pass");
    if (!store.list().stream().anyMatch(e -> e.name().equals(NAME))) {
      char[] pass = DevnetSecrets.passphrase(devnetDir.resolve("secrets"), NAME);
      EvmIdentity key;
      try {
        key = EvmIdentity.fromHex(io.cachet.policy.evm.Anvil.DEV_KEYS.get(DevnetAnvil.USER));
      } catch (FormatException e) {
        throw new IllegalStateException("anvil's dev key does not parse", e);
      }
      try {
        IdentityStore.Entry made = store.importEvm(NAME, key, pass, Keystore.KdfParams.DEFAULT, new SecureRandom());
        out.println("identity '" + NAME + "' " + made.address() + (made.isDefault() ? " (the default)" : "")
            + ": anvil's dev account " + DevnetAnvil.USER + "; its passphrase is in " + passFile);
      } finally {
        key.destroy();
        Arrays.fill(pass, '\0');
      }
    }
    for (IdentityStore.Entry e : store.list()) {
      if (e.kind() == Keystore.KeyType.SECP256K1 && DevnetAnvil.fund(rpcUrl, e.address())) {
        out.println("funded '" + e.name() + "' " + e.address() + " with " + DevnetAnvil.FUNDING_ETHER
            + " ether from anvil's dev account " + DevnetAnvil.FAUCET);
      }
    }
    out.println("note: anvil's dev accounts use public test keys; never send them anything of value");
  }
}
