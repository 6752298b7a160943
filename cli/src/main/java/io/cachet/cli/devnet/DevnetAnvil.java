package io.cachet.cli.devnet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.crypto.Address;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.FormatException;
import io.cachet.policy.evm.Anvil;
import io.cachet.policy.evm.BlobRegistryClient;
import io.cachet.policy.evm.EvmDeployment;
import io.cachet.policy.evm.EvmRpcClient;
import io.cachet.storage.gateway.CertificateSink;
import io.cachet.storage.network.AvailabilityCertificate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.Transfer;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import org.web3j.utils.Convert;

/**
 * The EVM chain of a devnet started with {@code --chain evm}: anvil (1 s blocks, its state in
 * {@code anvil/state.json} so a devnet stopped and started is the same chain, on the same port),
 * Cachet's contracts deployed on it once (addresses kept in devnet.json), and the sink that records
 * each availability certificate in the blob registry.
 *
 * <p>Every account here is one of anvil's dev accounts, whose keys are public: account 0 deploys
 * and records certificates, account 1 is the devnet's own user identity, account 2 funds others.
 */
final class DevnetAnvil implements AutoCloseable {
  /** Anvil mines a block this often, so an idle chain's head stays fresh for the key servers. */
  static final long BLOCK_SECONDS = 1;
  /** Dev account that deploys the contracts and records certificates (it is the registry's operator). */
  static final int DEPLOYER = 0;
  /** Dev account the devnet's identity {@code devnet-evm} holds. */
  static final int USER = 1;
  /** Dev account that funds identities with ether for gas. */
  static final int FAUCET = 2;
  /** Ether sent to an identity whose balance is below {@link #LOW_BALANCE_ETHER}. */
  static final long FUNDING_ETHER = 100;
  /** How often a funding transfer's receipt is asked for, and how many times (30 s in all). */
  private static final long RECEIPT_POLL_MS = 200;
  private static final int RECEIPT_POLL_ATTEMPTS = 150;
  /** An identity holding less than this is funded. */
  static final long LOW_BALANCE_ETHER = 1;

  private final Path stateFile;
  private final ObjectNode ports;
  private Anvil anvil;
  private EvmDeployment.Addresses addresses;
  private BlobRegistryClient registry;
  private final Object recordLock = new Object();

  DevnetAnvil(Path dir, ObjectNode ports) {
    this.stateFile = dir.resolve("anvil").resolve("state.json");
    this.ports = ports;
  }

  /** Starts anvil (on its old port if it ran before) and deploys the contracts unless they are there. */
  synchronized void start() throws Exception {
    java.nio.file.Files.createDirectories(stateFile.getParent());
    int port = ports.path("anvil").asInt(0);
    anvil = Anvil.start(AnvilInstall.located(), Anvil.Options.defaults().withPort(port).withBlockTime(BLOCK_SECONDS).withState(stateFile));
    ports.put("anvil", anvil.rpcUrl().getPort());
    // for 'devnet down', should this process die without stopping its child
    ports.put("anvilPid", anvil.pid());
    addresses = deployedOrDeploy();
    ObjectNode evm = ports.putObject("evm");
    evm.put("chainId", anvil.chainId());
    evm.put("policies", addresses.policies().toString());
    evm.put("blobRegistry", addresses.blobRegistry().toString());
    evm.put("deployBlock", addresses.deployBlock());
    registry = new BlobRegistryClient(credentials(DEPLOYER), anvil.chainId(), anvil.rpcUrl(), addresses.blobRegistry());
  }

  /** The addresses devnet.json names if their code is on the chain; else a fresh deployment. */
  private EvmDeployment.Addresses deployedOrDeploy() throws IOException, CachetSecurityException {
    ObjectNode saved = ports.path("evm").isObject() ? (ObjectNode) ports.get("evm") : null;
    if (saved != null && saved.has("policies") && saved.has("blobRegistry")) {
      try {
        Address policies = Address.parse(saved.get("policies").asText());
        Address registryAddress = Address.parse(saved.get("blobRegistry").asText());
        if (hasCode(policies) && hasCode(registryAddress)) {
          return new EvmDeployment.Addresses(policies, registryAddress, Math.max(0, saved.path("deployBlock").asLong(0)));
        }
      } catch (FormatException e) {
        // damaged: deploy afresh below
      }
    }
    return EvmDeployment.deploy(anvil.rpcUrl(), anvil.chainId(), credentials(DEPLOYER));
  }

  private boolean hasCode(Address a) throws IOException {
    Web3j web3j = web3j();
    try {
      String code = web3j.ethGetCode(a.evmHex(), DefaultBlockParameterName.LATEST).send().getCode();
      return code != null && code.length() > 2;
    } finally {
      web3j.shutdown();
    }
  }

  /** Stops anvil by its PID; anvil writes its state file on the way out. Stopping a stopped chain does nothing. */
  synchronized void stop() {
    if (registry != null) {
      registry.close();
      registry = null;
    }
    if (anvil != null) {
      anvil.close();
      anvil = null;
    }
  }

  synchronized boolean running() {
    return anvil != null && anvil.isAlive();
  }

  /** The RPC URL, known from devnet.json even while anvil is stopped. */
  URI rpcUrl() {
    return URI.create("http://127.0.0.1:" + ports.path("anvil").asInt());
  }

  long chainId() {
    return Anvil.DEFAULT_CHAIN_ID;
  }

  EvmDeployment.Addresses addresses() {
    return addresses;
  }

  /** The newest block's number, or -1 while anvil does not answer. */
  long height() {
    if (!running()) {
      return -1;
    }
    Web3j web3j = web3j();
    try {
      return web3j.ethBlockNumber().send().getBlockNumber().longValueExact();
    } catch (IOException | RuntimeException e) {
      return -1;
    } finally {
      web3j.shutdown();
    }
  }

  private Web3j web3j() {
    return EvmRpcClient.connect(rpcUrl());
  }

  /** Anvil dev account {@code i}'s credentials: a public test key. */
  static Credentials credentials(int i) {
    return Credentials.create(Anvil.DEV_KEYS.get(i));
  }

  /** Sends {@link #FUNDING_ETHER} to {@code to} from the faucet account if it holds less than {@link #LOW_BALANCE_ETHER}; true if it sent. */
  static boolean fund(URI rpcUrl, Address to) throws Exception {
    Web3j web3j = EvmRpcClient.connect(rpcUrl);
    try {
      java.math.BigInteger balance = web3j.ethGetBalance(to.evmHex(), DefaultBlockParameterName.LATEST).send()
          .getBalance();
      if (balance.compareTo(Convert.toWei(BigDecimal.valueOf(LOW_BALANCE_ETHER), Convert.Unit.ETHER)
          .toBigIntegerExact()) >= 0) {
        return false;
      }
      // polled every 200 ms: web3j's default receipt poll waits 15 s, made for public chains' blocks
      RawTransactionManager faucet = new RawTransactionManager(web3j, credentials(FAUCET), Anvil.DEFAULT_CHAIN_ID,
          new PollingTransactionReceiptProcessor(web3j, RECEIPT_POLL_MS, RECEIPT_POLL_ATTEMPTS));
      new Transfer(web3j, faucet).sendFunds(to.evmHex(), BigDecimal.valueOf(FUNDING_ETHER), Convert.Unit.ETHER).send();
      return true;
    } finally {
      web3j.shutdown();
    }
  }

  /**
   * Records each certificate in the blob registry as the deployer (its operator, so a recorder)
   * and answers once the transaction is mined, so a put that succeeded is on the chain. The digest
   * is SHA-256 of the certificate's JSON as the gateway serves it; the signer keys are the
   * confirming nodes' Ed25519 keys, which a reader checks off-chain. Serialised: each
   * transaction takes the deployer's next nonce.
   */
  CertificateSink sink(Vertx vertx) {
    return new CertificateSink() {
      @Override
      public Future<Void> record(AvailabilityCertificate c) {
        return vertx.executeBlocking(() -> {
          byte[] digest = digest(c);
          List<byte[]> signers = c.confirmations().stream().map(x -> x.publicKey())
              .toList();
          synchronized (recordLock) {
            BlobRegistryClient r;
            synchronized (DevnetAnvil.this) {
              r = registry;
            }
            if (r == null) {
              throw new IOException("the devnet's chain is stopped");
            }
            r.record(c.blobId().bytes(), c.size(), c.endEpoch(), digest, signers);
          }
          return null;
        }, false);
      }
    };
  }

  private static byte[] digest(AvailabilityCertificate c) throws NoSuchAlgorithmException {
    return MessageDigest.getInstance("SHA-256").digest(c.toJson().encode().getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    stop();
  }
}
