package io.cachet.cli.policy;

import io.cachet.cli.Connection;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Json;
import io.cachet.cli.UsageException;
import io.cachet.client.ClientConfig;
import io.cachet.crypto.Address;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.PolicyChain;
import io.cachet.policy.TokenGate;
import java.math.BigInteger;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cachet policy token-gate}: holders of a token may read. EVM chains only; on the embedded
 * ledger it exits 2 saying how to get one, before asking for a passphrase.
 */
@Command(name = "token-gate", description = {"Create a token gate: whoever holds the token may read.",
    "It is judged at each block, so minting or transferring grants or removes access from the next one."
        + " Needs an EVM chain."},
    footer = {"", "Examples:", "  cachet policy token-gate --erc721 0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "  cachet policy token-gate --erc20 0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512 \\",
        "      --min 100"})
final class PolicyTokenGateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Connection connection;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Token token;

  /** The token contract, by standard. */
  static final class Token {
    @Option(names = "--erc721", paramLabel = "ADDR", description = "An ERC-721 contract: holders of its NFTs may read.")
    String erc721;

    @Option(names = "--erc20", paramLabel = "ADDR", description = "An ERC-20 contract: holders of at least --min may read.")
    String erc20;
  }

  @Option(names = "--min", paramLabel = "N",
      description = "Least balance that may read, in the token's smallest unit (default 1; required with --erc20).")
  BigInteger minimum;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    boolean nft = token.erc721 != null;
    Address contract = PolicyArgs.evmAddress(nft ? token.erc721 : token.erc20, nft ? "--erc721" : "--erc20");
    if (!nft && minimum == null) {
      throw new UsageException("--erc20 needs --min N, the least balance that may read (in the token's smallest unit)");
    }
    BigInteger least = minimum == null ? BigInteger.ONE : minimum;
    if (least.signum() <= 0) {
      throw new UsageException("--min must be at least 1, got " + least);
    }
    ClientConfig config = connection.config();
    PolicyArgs.requireEvm(config, "token gates");
    try (PolicyChain chain = connection.chain(config)) {
      PolicyId id = chain.createTokenGate(nft ? TokenGate.Standard.ERC721 : TokenGate.Standard.ERC20, contract, least);
      if (json) {
        Json.print(spec.commandLine().getOut(), PolicyArgs.toJson(chain.policy(id)));
      } else {
        spec.commandLine().getOut().println(id);
      }
    }
    return ExitCodes.OK;
  }
}
