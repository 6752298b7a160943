package io.cachet.examples;

import io.cachet.client.ClientConfig;
import java.nio.file.Files;
import java.nio.file.Path;

/** Which network an example runs on: the descriptor named on the command line, else the local devnet's. */
public final class Network {
  private Network() {}

  public static ClientConfig fromArgs(String[] args) throws Exception {
    Path file = args.length > 0 ? Path.of(args[0])
        : Path.of(System.getProperty("user.home"), ".cachet", "devnet", "cachet-network.json");
    if (!Files.exists(file)) {
      throw new IllegalArgumentException("no network descriptor at " + file
          + ": start the devnet with './cachet devnet up' or pass a descriptor's path");
    }
    return ClientConfig.load(file);
  }
}
