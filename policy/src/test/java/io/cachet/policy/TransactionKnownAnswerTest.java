package io.cachet.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Address;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pins the transaction format ({@value Transaction#TAG}), the genesis block ({@value Block#TAG})
 * and its digest, and the policy-id derivation to fixed bytes in {@code kat/transaction-v2.json}:
 * a change to any of them breaks this test, and must bump the version and renew the file. Ed25519
 * signatures are deterministic, so the whole encoding is.
 */
class TransactionKnownAnswerTest {
  private static final HexFormat HEX = HexFormat.of();

  private static JsonObject vectors() throws IOException {
    try (InputStream in = TransactionKnownAnswerTest.class.getResourceAsStream("/kat/transaction-v2.json")) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** The operations the vectors sign, in order, with nonces 0, 1, 2. */
  private static List<Operation> operations(JsonObject v) throws FormatException {
    PolicyId policy = PolicyId.parse(v.getString("policy"));
    Address member = Address.parse(v.getString("member"));
    return List.of(new Operation.CreateAllowList(), new Operation.AddMember(policy, member, new Window(1000, 2000)),
        new Operation.CreateTimeLock(1_800_000_000_000L));
  }

  @Test
  void signedTransactions_matchTheKnownBytes_andDecode() throws Exception {
    JsonObject v = vectors();
    assertThat(v.getString("format")).isEqualTo(Transaction.TAG);
    Identity sender = Identity.fromSeed(HEX.parseHex(v.getString("senderSeed")));
    LedgerRef ledger = new LedgerRef(v.getString("ledgerId"), HEX.parseHex(v.getString("genesisDigest")));
    assertThat(sender.address().toString()).isEqualTo(v.getString("senderAddress"));
    List<Operation> ops = operations(v);
    JsonArray expected = v.getJsonArray("transactions");
    assertThat(expected).hasSameSizeAs(ops);
    for (int nonce = 0; nonce < ops.size(); nonce++) {
      Transaction tx = Transaction.sign(sender, ledger, nonce, ops.get(nonce));
      byte[] known = HEX.parseHex(expected.getString(nonce));
      assertThat(HEX.formatHex(tx.encoded())).as("transaction %d", nonce).isEqualTo(expected.getString(nonce));
      Transaction decoded = Transaction.decode(known);
      decoded.verifySignature();
      assertThat(decoded.ledger()).isEqualTo(ledger);
      assertThat(decoded.nonce()).isEqualTo(nonce);
    }
  }

  @Test
  void policyId_matchesTheKnownDerivation() throws Exception {
    JsonObject v = vectors();
    Identity sender = Identity.fromSeed(HEX.parseHex(v.getString("senderSeed")));
    LedgerRef ledger = new LedgerRef(v.getString("ledgerId"), HEX.parseHex(v.getString("genesisDigest")));
    assertThat(LedgerState.policyIdFor(ledger, sender.address(), 0).toString()).isEqualTo(v.getString("policyId0"));
  }

  @Test
  void genesisBlock_andItsDigest_matchTheKnownBytes() throws Exception {
    JsonObject v = vectors();
    assertThat(v.getString("blockFormat")).isEqualTo(Block.TAG);
    Identity sequencer = Identity.fromSeed(HEX.parseHex(v.getString("sequencerSeed")));
    Block genesis = Block.sign(sequencer, v.getString("ledgerId"), 0, Block.GENESIS_PARENT,
        v.getLong("genesisTimestamp"), List.of());
    assertThat(HEX.formatHex(genesis.encoded())).isEqualTo(v.getString("genesisBlock"));
    Block decoded = Block.decode(HEX.parseHex(v.getString("genesisBlock")));
    decoded.verifySignature(sequencer.verifyingKey());
    assertThat(LedgerRef.of(decoded).genesisHex()).isEqualTo("0x" + v.getString("genesisBlockDigest"));
  }

  @Test
  void theV1Vector_isRefusedNamingItsVersion() throws Exception {
    byte[] v1 = HEX.parseHex(vectors().getString("refusedV1Transaction"));
    assertThatThrownBy(() -> Transaction.decode(v1)).isInstanceOf(FormatException.class)
        .hasMessageContaining("cachet/tx/v1");
  }
}
