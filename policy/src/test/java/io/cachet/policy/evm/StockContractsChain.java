package io.cachet.policy.evm;

import io.cachet.crypto.Address;
import io.cachet.crypto.PolicyId;
import java.io.IOException;
import java.math.BigInteger;
import java.util.List;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;

/**
 * The test chain ({@link EvmTestChain}) with Cachet's stock contracts deployed, for a test class:
 * dev accounts as writers, exact block time, raw {@code canRead} calls, test tokens.
 */
final class StockContractsChain implements AutoCloseable {
  /** A decision as canRead returns it. */
  record Answer(int reason, BigInteger validUntil) {}

  final EvmTestChain base;
  final Anvil anvil;
  final Web3j web3j;
  final EvmDeployment.Addresses addresses;

  private StockContractsChain(EvmTestChain base, EvmDeployment.Addresses addresses) {
    this.base = base;
    this.anvil = base.anvil();
    this.web3j = EvmRpcClient.connect(anvil.rpcUrl());
    this.addresses = addresses;
  }

  static StockContractsChain start() throws Exception {
    EvmTestChain base = EvmTestChain.start();
    try {
      return new StockContractsChain(base, EvmDeployment.deploy(base.rpcUrl(), base.chainId(), credentials(0)));
    } catch (Exception e) {
      base.close();
      throw e;
    }
  }

  static Credentials credentials(int devAccount) {
    return Credentials.create(Anvil.DEV_KEYS.get(devAccount));
  }

  static Address address(int devAccount) {
    return EvmDeployment.evmAddress(credentials(devAccount).getAddress());
  }

  /** A chain writer acting as dev account {@code devAccount}. */
  EvmPolicyChain chainAs(int devAccount) throws IOException {
    return new EvmPolicyChain(credentials(devAccount), anvil.chainId(), anvil.rpcUrl(), addresses.policies());
  }

  /** Transactions signed by dev account {@code devAccount}. */
  EvmTransactions txAs(int devAccount) {
    return new EvmTransactions(web3j, credentials(devAccount), anvil.chainId());
  }

  /** Mines one block stamped exactly {@code epochSeconds}. */
  void mineAt(long epochSeconds) throws IOException {
    base.setNextBlockTimestamp(epochSeconds);
    base.mine(1);
  }

  /** Stamps the next block (say, the next transaction's) exactly {@code epochSeconds}. */
  void nextBlockAt(long epochSeconds) throws IOException {
    base.setNextBlockTimestamp(epochSeconds);
  }

  /** A block time safely past every block so far, to set time from. */
  long futureSeconds() throws IOException {
    return web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock().getTimestamp()
        .longValueExact() + 1000;
  }

  /** canRead on the stock contract at the newest block. */
  Answer canRead(PolicyId policy, Address reader) throws Exception {
    return canRead(addresses.policies(), policy, reader);
  }

  /** canRead on any ICachetPolicy contract at the newest block. */
  Answer canRead(Address contract, PolicyId policy, Address reader) throws Exception {
    return canReadAt(DefaultBlockParameterName.LATEST, contract, policy, reader);
  }

  /** canRead on any ICachetPolicy contract at {@code block}. */
  @SuppressWarnings("rawtypes")
  Answer canReadAt(DefaultBlockParameter block, Address contract, PolicyId policy, Address reader) throws Exception {
    List<Type> out = txAs(0).call(contract.evmHex(), CachetPoliciesAbi.canRead(policy.bytes(), reader.evmHex()),
        block);
    return new Answer(((BigInteger) out.get(0).getValue()).intValueExact(), (BigInteger) out.get(1).getValue());
  }

  /** Deploys test contract {@code name} (test-contracts.json) as dev account 0. */
  Address deployTest(String name, Type<?>... constructorArgs) throws Exception {
    Contracts tests = Contracts.fromResource("/io/cachet/policy/evm/test-contracts.json");
    String code = tests.artifact(name).bytecode() + FunctionEncoder.encodeConstructor(List.of(constructorArgs));
    return EvmDeployment.evmAddress(txAs(0).deploy(code, name));
  }

  /** Sends {@code f} to {@code contract} as dev account {@code devAccount}. */
  long send(int devAccount, Address contract, Function f) throws Exception {
    return txAs(devAccount).send(contract.evmHex(), f).getBlockNumber().longValueExact();
  }

  @Override
  public void close() {
    web3j.shutdown();
    base.close();
  }
}
