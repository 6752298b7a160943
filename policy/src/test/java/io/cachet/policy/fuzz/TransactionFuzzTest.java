package io.cachet.policy.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.FormatException;
import io.cachet.policy.Transaction;

/**
 * A transaction as the sequencer reads a submission and a follower reads it inside a block. An
 * accepted transaction is canonical (it re-encodes to exactly its bytes) and its signature check
 * answers with a typed refusal at worst. Seeds: {@code TransactionFuzzTestInputs/}.
 */
class TransactionFuzzTest {
  @FuzzTest(maxDuration = "60s")
  void decode_anyBytes_givesCanonicalTransactionOrFormatException(byte[] input) throws Exception {
    Transaction tx;
    try {
      tx = Transaction.decode(input);
    } catch (FormatException refused) {
      return;
    }
    assertThat(tx.encoded()).as("an accepted transaction is canonical").isEqualTo(input);
    assertThat(Transaction.decode(tx.encoded())).isEqualTo(tx);
    try {
      tx.verifySignature();
    } catch (CachetSecurityException refused) {
      // a forged signature is refused by name, not by a crash
    }
  }
}
