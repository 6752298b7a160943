package io.cachet.policy.evm;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.exceptions.TransactionException;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;

/**
 * Signed writes and pinned reads for one account on one chain: every write is an EIP-1559
 * transaction signed with the account's key for the chain id, checked first with eth_call (so a
 * refusal comes back as the contract's custom error, not as a spent transaction), sent, and
 * waited for until its receipt arrives or {@link #RECEIPT_TIMEOUT} passes.
 *
 * <p>Threads: writes are serialised, so one account's nonces never race; reads run on any thread.
 */
final class EvmTransactions {
  /** How long a write waits for its receipt before giving up (the transaction may still land). */
  static final Duration RECEIPT_TIMEOUT = Duration.ofSeconds(60);
  /** How often the receipt is polled for. */
  static final Duration RECEIPT_POLL = Duration.ofMillis(100);
  /** Headroom over the estimated gas, in percent: state may change between estimate and block. */
  private static final int GAS_HEADROOM_PERCENT = 25;

  private final Web3j web3j;
  private final Credentials credentials;
  private final long chainId;
  private final RawTransactionManager manager;
  private final PollingTransactionReceiptProcessor receipts;

  EvmTransactions(Web3j web3j, Credentials credentials, long chainId) {
    this.web3j = Objects.requireNonNull(web3j, "web3j");
    this.credentials = Objects.requireNonNull(credentials, "credentials");
    this.chainId = chainId;
    this.manager = new RawTransactionManager(web3j, credentials, chainId);
    this.receipts = new PollingTransactionReceiptProcessor(web3j, RECEIPT_POLL.toMillis(),
        (int) (RECEIPT_TIMEOUT.toMillis() / RECEIPT_POLL.toMillis()));
  }

  Web3j web3j() {
    return web3j;
  }

  long chainId() {
    return chainId;
  }

  /** The sender's address, {@code 0x} + 40 lower-case hex. */
  String from() {
    return credentials.getAddress();
  }

  /** Checks that the RPC serves chain {@code chainId}; an IOException naming both if not. */
  void checkChainId() throws IOException {
    BigInteger reported = check(web3j.ethChainId().send(), "eth_chainId").getChainId();
    if (reported.longValueExact() != chainId) {
      throw new IOException("the RPC serves chain " + reported + ", not the configured chain " + chainId);
    }
  }

  /** Sends {@code function} to {@code contract} and returns the receipt of the block holding it. */
  synchronized TransactionReceipt send(String contract, Function function)
      throws IOException, EvmRevertedException {
    return sendData(contract, FunctionEncoder.encode(function), function.getName());
  }

  /** Deploys {@code bytecode} (with its constructor arguments appended) and returns the new address. */
  synchronized String deploy(String bytecode, String name) throws IOException, EvmRevertedException {
    TransactionReceipt r = sendData(null, bytecode, "deployment of " + name);
    if (r.getContractAddress() == null) {
      throw new IOException("deployment of " + name + " has no contract address in its receipt");
    }
    return r.getContractAddress();
  }

  private TransactionReceipt sendData(String to, String data, String action) throws IOException, EvmRevertedException {
    Transaction probe = new Transaction(from(), null, null, null, to, BigInteger.ZERO, data);
    EthCall dry = web3j.ethCall(probe, DefaultBlockParameterName.LATEST).send();
    if (dry.hasError()) {
      throw refusalOrIo(action, dry.getError());
    }
    EthEstimateGas estimate = web3j.ethEstimateGas(probe).send();
    if (estimate.hasError()) {
      throw refusalOrIo(action, estimate.getError());
    }
    BigInteger gas = estimate.getAmountUsed().multiply(BigInteger.valueOf(100 + GAS_HEADROOM_PERCENT))
        .divide(BigInteger.valueOf(100));
    BigInteger tip = check(web3j.ethMaxPriorityFeePerGas().send(), "eth_maxPriorityFeePerGas").getMaxPriorityFeePerGas();
    EthBlock.Block latest = check(web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send(),
        "eth_getBlockByNumber").getBlock();
    BigInteger baseFee = latest.getBaseFeePerGas() == null ? BigInteger.ZERO : latest.getBaseFeePerGas();
    BigInteger maxFee = baseFee.shiftLeft(1).add(tip);
    EthSendTransaction sent = manager.sendEIP1559Transaction(chainId, tip, maxFee, gas, to, data, BigInteger.ZERO,
        to == null);
    if (sent.hasError()) {
      throw refusalOrIo(action, sent.getError());
    }
    TransactionReceipt receipt;
    try {
      receipt = receipts.waitForTransactionReceipt(sent.getTransactionHash());
    } catch (TransactionException e) {
      throw new IOException(action + ": no receipt for " + sent.getTransactionHash() + " within "
          + RECEIPT_TIMEOUT.toSeconds() + " s", e);
    }
    if (!receipt.isStatusOK()) {
      // the state changed between the check and the block: ask again at that block for the reason
      EthCall again = web3j.ethCall(probe, DefaultBlockParameter.valueOf(receipt.getBlockNumber())).send();
      throw ContractErrors.refusal(action, again.hasError() ? again.getError().getData() : null);
    }
    return receipt;
  }

  /** Calls view {@code function} of {@code contract} at {@code block} and decodes its outputs. */
  @SuppressWarnings("rawtypes")
  List<Type> call(String contract, Function function, DefaultBlockParameter block)
      throws IOException, EvmRevertedException {
    Transaction tx = Transaction.createEthCallTransaction(from(), contract, FunctionEncoder.encode(function));
    EthCall r = web3j.ethCall(tx, block).send();
    if (r.hasError()) {
      throw refusalOrIo(function.getName(), r.getError());
    }
    if (r.getValue() == null || r.getValue().length() <= 2) {
      throw new IOException(function.getName() + " at " + contract + " returned nothing: is a contract deployed there?");
    }
    return FunctionReturnDecoder.decode(r.getValue(), function.getOutputParameters());
  }

  /**
   * A revert (JSON-RPC error 3, or an error carrying revert data) as the refusal it means, to be
   * thrown by the caller; any other RPC error is thrown here as an IOException.
   */
  private static EvmRevertedException refusalOrIo(String action, Response.Error error) throws IOException {
    String data = error.getData();
    String message = String.valueOf(error.getMessage());
    if (error.getCode() == 3 || (data != null && data.contains("0x")) || message.contains("revert")) {
      return ContractErrors.refusal(action, data);
    }
    throw new IOException(action + ": RPC error " + error.getCode() + ": " + message);
  }

  /** The response, or an IOException naming the RPC method if it carries an error. */
  static <T extends Response<?>> T check(T response, String method) throws IOException {
    if (response.hasError()) {
      throw new IOException(method + ": RPC error " + response.getError().getCode() + ": "
          + response.getError().getMessage());
    }
    return response;
  }
}
