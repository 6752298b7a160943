package io.cachet.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** EVM addresses beside embedded-ledger ones, and the ledger id that binds an EVM policy contract. */
class EvmAddressingTest {
  /** The EIP-55 examples from the EIP itself. */
  @Test
  void evmAddress_printsEip55Checksum_andParsesEveryCasing() throws Exception {
    for (String checksummed : new String[] {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"}) {
      Address a = Address.parse(checksummed);
      assertThat(a.isEvm()).isTrue();
      assertThat(a.toString()).isEqualTo(checksummed);
      assertThat(Address.parse(checksummed.toLowerCase())).isEqualTo(a);
      assertThat(Address.parse("0x" + checksummed.substring(2).toUpperCase())).isEqualTo(a);
      assertThat(a.evmHex()).isEqualTo(checksummed.toLowerCase());
    }
  }

  @Test
  void evmAddress_withAWrongMixedCase_isRefusedAsATypo() {
    assertThatThrownBy(() -> Address.parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"))
        .isInstanceOf(FormatException.class).hasMessageContaining("EIP-55");
  }

  @Test
  void evmAddress_isHeldAsItsAbiWord() throws Exception {
    Address a = Address.parse("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
    byte[] word = a.bytes();
    assertThat(word).hasSize(32).startsWith(new byte[12]);
    assertThat(Hex.to0x(a.evmBytes())).isEqualTo("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
  }

  @Test
  void ed25519Address_isNotEvm_andKeepsItsForm() throws Exception {
    Identity id = Identity.generate(new SecureRandom());
    assertThat(id.address().isEvm()).isFalse();
    assertThat(Address.parse(id.address().toString())).isEqualTo(id.address());
    assertThatThrownBy(id.address()::evmBytes).isInstanceOf(IllegalStateException.class);
  }

  @Property
  void evmAddress_printsAndParsesBack(@ForAll @Size(20) byte[] raw) throws Exception {
    Address a = Address.ofEvm(raw);
    assertThat(Address.parse(a.toString())).isEqualTo(a);
    assertThat(a.evmBytes()).isEqualTo(raw);
  }

  @Test
  void evmLedgerId_namesChainAndContract_inOneSpelling() throws Exception {
    Address contract = Address.parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    EvmLedgerId id = new EvmLedgerId(31337, contract);
    assertThat(id.toString()).isEqualTo("eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3");
    assertThat(EvmLedgerId.parse(id.toString())).isEqualTo(id);
    assertThat(id.chain()).isEqualTo("eip155:31337");
    assertThat(Names.check(id.toString(), "ledger id")).isEqualTo(id.toString());
    assertThat(EvmLedgerId.isEvm(id.toString())).isTrue();
    assertThat(EvmLedgerId.isEvm("cachet-devnet")).isFalse();
  }

  @Test
  void evmLedgerId_refusesOtherSpellings() {
    for (String bad : new String[] {"eip155:31337:0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "eip155:0:0x5fbdb2315678afecb367f032d93f642f64180aa3", "eip155:031337:0x5fbdb2315678afecb367f032d93f642f64180aa3",
        "eip155:31337", "eip155:99999999999999999999:0x5fbdb2315678afecb367f032d93f642f64180aa3", "cachet-devnet"}) {
      assertThatThrownBy(() -> EvmLedgerId.parse(bad)).as(bad).isInstanceOf(FormatException.class);
    }
  }

  /** The binding: a share sealed under one chain or contract is sealed under another context. */
  @Test
  void shareContext_differsByChainAndByContract() throws Exception {
    Address c1 = Address.parse("0x5fbdb2315678afecb367f032d93f642f64180aa3");
    Address c2 = Address.parse("0xe7f1725e7734ce288f8367e1bb143e90bb3f0512");
    PolicyId p = PolicyId.random(new SecureRandom());
    ObjectId o = ObjectId.random(new SecureRandom());
    byte[] a = context(new EvmLedgerId(31337, c1), p, o).info();
    byte[] b = context(new EvmLedgerId(1, c1), p, o).info();
    byte[] c = context(new EvmLedgerId(31337, c2), p, o).info();
    assertThat(a).isNotEqualTo(b).isNotEqualTo(c);
  }

  private static ShareContext context(EvmLedgerId ledger, PolicyId p, ObjectId o) {
    return new ShareContext(Envelope.VERSION, ledger.toString(), p, o, 2, 3, "ks-1", 1);
  }
}
