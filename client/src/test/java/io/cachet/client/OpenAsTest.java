package io.cachet.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.EvmIdentity;
import io.cachet.crypto.Identity;
import java.security.SecureRandom;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** {@link CachetClient#openAs}: the kind of identity must be the one the descriptor's chain signs with, said before any connection. */
class OpenAsTest {
  private final SecureRandom random = new SecureRandom();

  @Test
  void openAs_anEvmIdentityOnTheEmbeddedLedger_isRefused_andTheIdentityIsLeftIntact() throws Exception {
    ClientConfig embedded = ChainDescriptorTest.parse(ChainDescriptorTest.descriptor(null, true));
    EvmIdentity evm = EvmIdentity.generate(random);
    assertThatThrownBy(() -> CachetClient.openAs(embedded, evm, Clock.systemUTC(), null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Ed25519");
    assertThat(evm.isDestroyed()).isFalse();
  }

  @Test
  void openAs_anEd25519IdentityOnAnEvmChain_isRefused_namingTheCommandThatMakesAnEvmOne() throws Exception {
    ClientConfig onEvm = ChainDescriptorTest.parse(ChainDescriptorTest.descriptor(ChainDescriptorTest.evm(), false));
    Identity ed = Identity.generate(random);
    assertThatThrownBy(() -> CachetClient.openAs(onEvm, ed, Clock.systemUTC(), null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cachet id new NAME --evm");
  }
}
