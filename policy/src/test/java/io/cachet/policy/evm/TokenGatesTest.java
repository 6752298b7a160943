package io.cachet.policy.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cachet.crypto.Address;
import io.cachet.crypto.PolicyId;
import io.cachet.policy.TokenGate;
import java.math.BigInteger;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.protocol.core.DefaultBlockParameter;

/** Token gates on a real anvil: ERC-721 and ERC-20 holders, and tokens that misbehave. */
class TokenGatesTest {
  private static final int ALLOWED = 0;
  private static final int NOT_A_HOLDER = 6;

  private static StockContractsChain chain;
  private static EvmPolicyChain owner;

  @BeforeAll
  static void start() throws Exception {
    chain = StockContractsChain.start();
    owner = chain.chainAs(0);
  }

  @AfterAll
  static void stop() {
    owner.close();
    chain.close();
  }

  private static Address dev(int i) {
    return StockContractsChain.address(i);
  }

  private static org.web3j.abi.datatypes.Address abi(Address a) {
    return new org.web3j.abi.datatypes.Address(a.evmHex());
  }

  private static DefaultBlockParameter block(long n) {
    return DefaultBlockParameter.valueOf(BigInteger.valueOf(n));
  }

  @Test
  void erc721_mintGrantsFromItsBlock_andTransferRemoves() throws Exception {
    Address nft = chain.deployTest("TestNft");
    PolicyId p = owner.createTokenGate(TokenGate.Standard.ERC721, nft, BigInteger.ONE);
    assertEquals(NOT_A_HOLDER, chain.canRead(p, dev(3)).reason());
    long minted = chain.send(0, nft, new Function("mint", List.of(abi(dev(3)), new Uint256(7)), List.of()));
    assertEquals(NOT_A_HOLDER, chain.canReadAt(block(minted - 1), chain.addresses.policies(), p, dev(3)).reason());
    assertEquals(new StockContractsChain.Answer(ALLOWED, EvmPolicyChain.NO_END),
        chain.canReadAt(block(minted), chain.addresses.policies(), p, dev(3)));
    long moved = chain.send(3, nft, new Function("transferFrom", List.of(abi(dev(3)), abi(dev(4)), new Uint256(7)),
        List.of()));
    assertEquals(ALLOWED, chain.canReadAt(block(moved - 1), chain.addresses.policies(), p, dev(3)).reason());
    assertEquals(NOT_A_HOLDER, chain.canRead(p, dev(3)).reason());
    assertEquals(ALLOWED, chain.canRead(p, dev(4)).reason());
  }

  @Test
  void erc20_belowMinimumDenied_atMinimumAllowed() throws Exception {
    Address token = chain.deployTest("TestToken");
    PolicyId p = owner.createTokenGate(TokenGate.Standard.ERC20, token, BigInteger.valueOf(100));
    chain.send(0, token, new Function("mint", List.of(abi(dev(3)), new Uint256(99)), List.of()));
    assertEquals(NOT_A_HOLDER, chain.canRead(p, dev(3)).reason());
    chain.send(0, token, new Function("mint", List.of(abi(dev(3)), new Uint256(1)), List.of()));
    assertEquals(ALLOWED, chain.canRead(p, dev(3)).reason());
    TokenGate gate = (TokenGate) owner.policy(p);
    assertEquals(new TokenGate(p, dev(0), Set.of(), 1, TokenGate.Standard.ERC20, token, BigInteger.valueOf(100)),
        gate);
  }

  @Test
  void hostileToken_revertsBurnsGasOrAnswersGarbage_deniesWithoutRevertingCanRead() throws Exception {
    for (int mode = 0; mode < 4; mode++) {
      Address token = chain.deployTest("HostileToken", new Uint256(mode));
      PolicyId p = owner.createTokenGate(TokenGate.Standard.ERC20, token, BigInteger.ONE);
      assertEquals(NOT_A_HOLDER, chain.canRead(p, dev(3)).reason(), "hostile mode " + mode);
    }
  }

  @Test
  void createTokenGate_overAnAccountWithoutCode_refused() {
    assertThrows(IllegalArgumentException.class,
        () -> owner.createTokenGate(TokenGate.Standard.ERC721, dev(4), BigInteger.ONE));
  }
}
