package io.cachet.cli.network;

import io.cachet.cli.PassphraseOptions;
import io.cachet.cli.UsageException;
import io.cachet.common.config.ConfigException;
import io.cachet.common.config.StartupChecks;
import io.cachet.common.http.Endpoints;
import io.cachet.common.io.DurableFiles;
import io.cachet.crypto.Identity;
import io.cachet.crypto.Keystore;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The ledger a kit's gateway records certificates on: its coordinates, checked before anything is
 * written, and the certificate keystore made for the gateway. The passphrase stays in its file;
 * the configuration names the file.
 */
record GatewayLedger(String url, String id, String genesis, Path passphraseFile) {
  /** The keystore's name in the gateway's directory. */
  static final String KEYSTORE = "certificate-keystore.json";
  private static final Pattern GENESIS = Pattern.compile("0x[0-9a-f]{64}");

  /** Null when no {@code --ledger-url} is given; else every companion option, checked. */
  static GatewayLedger of(String url, String id, String genesis, Path passphraseFile) {
    if (url == null) {
      if (id != null || genesis != null || passphraseFile != null) {
        throw new UsageException("--ledger-id, --ledger-genesis and --passphrase-file go with --ledger-url;"
            + " give it too, or none of them");
      }
      return null;
    }
    if (!url.startsWith("http://") && !url.startsWith("https://")) {
      // a URL's path may hold a key: only its scheme, host and port are shown
      throw new UsageException("--ledger-url " + Endpoints.where(url) + " is not http://HOST:PORT");
    }
    if (id == null || genesis == null || passphraseFile == null) {
      throw new UsageException("--ledger-url needs --ledger-id, --ledger-genesis (as 'cachet ledger init' printed"
          + " them) and --passphrase-file (the certificate keystore's passphrase)");
    }
    if (!GENESIS.matcher(genesis).matches()) {
      throw new UsageException("--ledger-genesis must be 0x and 64 lower-case hex digits, as 'cachet ledger init'"
          + " printed it, not '" + genesis + "'");
    }
    Path pass = passphraseFile.toAbsolutePath().normalize();
    try {
      // refused here, not later on the gateway's machine when it starts
      StartupChecks.privateFile(pass, "--passphrase-file");
    } catch (ConfigException e) {
      throw new UsageException(e.getMessage());
    }
    return new GatewayLedger(url, id, genesis, pass);
  }

  /** Makes the certificate identity and writes its keystore (0600) in {@code gatewayDir}; its address. */
  String writeKeystore(Path gatewayDir) throws IOException {
    char[] pass = PassphraseOptions.fromFile(passphraseFile);
    Identity identity = Identity.generate(new SecureRandom());
    try {
      DurableFiles.write(gatewayDir.resolve(KEYSTORE),
          Keystore.encrypt(identity, pass, Keystore.KdfParams.DEFAULT, new SecureRandom()), true);
      return identity.address().toString();
    } finally {
      Arrays.fill(pass, '\0');
      identity.destroy();
    }
  }

  /** The gateway configuration's ledger keys. */
  Map<String, String> settings() {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("ledger-url", url);
    values.put("ledger-id", id);
    values.put("ledger-genesis", genesis);
    values.put("certificate-keystore", KEYSTORE);
    values.put("passphrase-file", passphraseFile.toString());
    return values;
  }
}
