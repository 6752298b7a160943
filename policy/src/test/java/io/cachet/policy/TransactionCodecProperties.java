package io.cachet.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Blake2b;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class TransactionCodecProperties {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Identity SENDER = Identity.generate(RANDOM);
  private static final Identity OTHER = Identity.generate(RANDOM);
  private static final LedgerRef LEDGER = new LedgerRef("cachet-test", Blake2b.hash256(new byte[] {1}));

  /** One valid transaction of every kind, to round-trip and to mutate. */
  static List<Transaction> samples() {
    PolicyId p = PolicyId.random(RANDOM);
    byte[] blob = new byte[32];
    RANDOM.nextBytes(blob);
    byte[] msg = Operation.RecordCertificate.confirmationBytes(blob, 99, 3);
    List<Operation> ops = List.of(
        new Operation.CreateAllowList(),
        new Operation.AddMember(p, OTHER.address(), new Window(5, 10)),
        new Operation.RemoveMember(p, OTHER.address()),
        new Operation.ChangeWindow(p, OTHER.address(), Window.ALWAYS),
        new Operation.AddAdmin(p, OTHER.address()),
        new Operation.RemoveAdmin(p, OTHER.address()),
        new Operation.TransferOwnership(p, OTHER.address()),
        new Operation.CreateTimeLock(123_456),
        new Operation.RecordCertificate(blob, 99, 3,
            List.of(new Operation.NodeSignature("n1", OTHER.verifyingKey(), OTHER.sign(msg)))),
        new Operation.SetStorageCommittee(List.of(new Operation.CommitteeMember("node-0", OTHER.verifyingKey()),
            new Operation.CommitteeMember("node-1", SENDER.verifyingKey())), 2));
    List<Transaction> out = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      out.add(Transaction.sign(SENDER, LEDGER, i, ops.get(i)));
    }
    return out;
  }

  @Provide
  Arbitrary<Transaction> transactions() {
    return Arbitraries.of(samples());
  }

  @Property(tries = 50)
  void decode_ofEncode_isIdentity(@ForAll("transactions") Transaction tx) throws Exception {
    Transaction back = Transaction.decode(tx.encoded());
    assertThat(back).isEqualTo(tx);
    assertThat(back.operation()).usingRecursiveComparison().isEqualTo(tx.operation());
    back.verifySignature();
  }

  @Property(tries = 2000)
  void decode_mutatedBytes_onlyFormatErrorOrAValidTransaction(@ForAll("transactions") Transaction tx,
      @ForAll long seed) {
    Random r = new Random(seed);
    byte[] b = tx.encoded();
    switch (r.nextInt(4)) {
      case 0 -> b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
      case 1 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
      case 2 -> b = java.util.Arrays.copyOf(b, b.length + 1 + r.nextInt(8));
      default -> b[r.nextInt(b.length)] = (byte) r.nextInt(256);
    }
    try {
      Transaction.decode(b);
    } catch (FormatException expected) {
      // the only failure a parser may report
    }
  }

  @Provide
  Arbitrary<LedgerRef> ledgers() {
    Arbitrary<String> ids = Arbitraries.strings().withChars("abcXYZ019._:-").ofMinLength(1).ofMaxLength(64);
    Arbitrary<byte[]> digests = Arbitraries.bytes().array(byte[].class).ofSize(32);
    return net.jqwik.api.Combinators.combine(ids, digests).as(LedgerRef::new);
  }

  @Property(tries = 200)
  void decode_ofEncode_keepsTheLedger(@ForAll("ledgers") LedgerRef ledger, @ForAll("transactions") Transaction sample,
      @ForAll long nonce) throws Exception {
    Transaction tx = Transaction.sign(SENDER, ledger, Math.abs(nonce % Long.MAX_VALUE), sample.operation());
    Transaction back = Transaction.decode(tx.encoded());
    assertThat(back.ledger()).isEqualTo(ledger);
    assertThat(back.nonce()).isEqualTo(tx.nonce());
    back.verifySignature();
  }

  /** Whatever a copier changes in the ledger fields, the result is malformed or its signature fails. */
  @Property(tries = 1000)
  void changedLedgerFields_neverVerify(@ForAll("ledgers") LedgerRef ledger, @ForAll("transactions") Transaction sample,
      @ForAll long seed) throws Exception {
    Transaction tx = Transaction.sign(SENDER, ledger, 1, sample.operation());
    byte[] b = tx.encoded();
    int tagLength = 1 + Transaction.TAG.length();
    int ledgerFields = 1 + ledger.ledgerId().length() + 32;
    Random r = new Random(seed);
    b[tagLength + r.nextInt(ledgerFields)] ^= (byte) (1 + r.nextInt(255));
    Transaction changed;
    try {
      changed = Transaction.decode(b);
    } catch (FormatException expected) {
      return;
    }
    assertThat(changed.ledger()).isNotEqualTo(ledger);
    assertThatThrownBy(changed::verifySignature).isInstanceOf(io.cachet.crypto.InvalidSignatureException.class);
  }

  @Property(tries = 1000)
  void decode_randomBytes_onlyFormatError(@ForAll byte[] bytes) {
    assertThatThrownBy(() -> Transaction.decode(bytes)).isInstanceOf(FormatException.class);
  }
}
