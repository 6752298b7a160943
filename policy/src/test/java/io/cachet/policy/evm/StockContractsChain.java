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
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.methods.response.VoidResponse;
import org.web3j.protocol.http.HttpService;

/**
 * One anvil with Cachet's contracts deployed, for a test class: dev accounts, exact block time
 * ({@code evm_setNextBlockTimestamp} + {@code evm_mine}), raw {@code canRead} calls, test tokens.
 */
final class StockContractsChain implements AutoCloseable {
  /** A decision as canRead returns it. */
  record Answer(int reason, BigInteger validUntil) {}

  final Anvil anvil;
  final Web3j web3j;
  final HttpService http;
  final EvmDeployment.Addresses addresses;

  private StockContractsChain(Anvil anvil, EvmDeployment.Addresses addresses) {
    this.anvil = anvil;
    this.http = new HttpService(anvil.rpcUrl().toString());
    this.web3j = Web3j.build(http);
    this.addresses = addresses;
  }

  static StockContractsChain start() throws Exception {
    Anvil anvil = Anvil.start(Anvil.Options.defaults());
    try {
      return new StockContractsChain(anvil, EvmDeployment.deploy(anvil.rpcUrl(), anvil.chainId(), credentials(0)));
    } catch (Exception e) {
      anvil.close();
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
    rpc("evm_setNextBlockTimestamp", List.of(epochSeconds));
    rpc("evm_mine", List.of());
  }

  /** Stamps the next block (say, the next transaction's) exactly {@code epochSeconds}. */
  void nextBlockAt(long epochSeconds) throws IOException {
    rpc("evm_setNextBlockTimestamp", List.of(epochSeconds));
  }

  /** A block time safely past every block so far, to set time from. */
  long futureSeconds() throws IOException {
    return web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock().getTimestamp()
        .longValueExact() + 1000;
  }

  private void rpc(String method, List<?> params) throws IOException {
    VoidResponse r = new Request<>(method, params, http, VoidResponse.class).send();
    if (r.hasError()) {
      throw new IOException(method + ": " + r.getError().getMessage());
    }
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
    anvil.close();
  }
}
