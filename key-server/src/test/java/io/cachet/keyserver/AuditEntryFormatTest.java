package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Address;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.keyserver.audit.AuditEntry;
import io.cachet.keyserver.audit.AuditEvent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Pins the audit entry encodings and their hashes: a change that breaks old logs fails here.
 * Format 1 entries (written before the ledger id was recorded) must still read as they are.
 */
class AuditEntryFormatTest {
  private static byte[] filled(int b) {
    byte[] x = new byte[32];
    Arrays.fill(x, (byte) b);
    return x;
  }

  static final String EVM_LEDGER = "eip155:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3";

  static final AuditEntry RELEASED = new AuditEntry(7, filled(0x11), new AuditEvent(1_760_000_000_123L,
      AuditEvent.Outcome.RELEASED, "ALLOWED", "0123456789abcdef0123456789abcdef", Address.of(filled(0x22)),
      "127.0.0.1", PolicyId.of(filled(0x33)), ObjectId.of(filled(0x44)), 2, 41, 1_760_000_000_000L, "member",
      EVM_LEDGER, filled(0x55)));

  static final AuditEntry REFUSED = new AuditEntry(0, AuditEntry.GENESIS, new AuditEvent(1, AuditEvent.Outcome.REFUSED,
      "BAD_SIGNATURE", "", null, "::1", null, null, 0, -1, 0, "é"));

  static final AuditEntry RELEASED_V1 = new AuditEntry(1, 7, filled(0x11), new AuditEvent(1_760_000_000_123L,
      AuditEvent.Outcome.RELEASED, "ALLOWED", "0123456789abcdef0123456789abcdef", Address.of(filled(0x22)),
      "127.0.0.1", PolicyId.of(filled(0x33)), ObjectId.of(filled(0x44)), 2, 41, 1_760_000_000_000L, "member"));

  static final AuditEntry REFUSED_V1 = new AuditEntry(1, 0, AuditEntry.GENESIS, new AuditEvent(1,
      AuditEvent.Outcome.REFUSED, "BAD_SIGNATURE", "", null, "::1", null, null, 0, -1, 0, "é"));

  @Test
  void encodings_andHashes_arePinned() throws Exception {
    assertThat(RELEASED.version()).isEqualTo(2);
    assertThat(HexFormat.of().formatHex(RELEASED.encode())).isEqualTo(PINNED_RELEASED);
    assertThat(HexFormat.of().formatHex(REFUSED.encode())).isEqualTo(PINNED_REFUSED);
    assertThat(HexFormat.of().formatHex(RELEASED.hash())).isEqualTo(PINNED_RELEASED_HASH);
    assertThat(AuditEntry.decode(HexFormat.of().parseHex(PINNED_RELEASED))).isEqualTo(RELEASED);
    assertThat(AuditEntry.decode(HexFormat.of().parseHex(PINNED_REFUSED))).isEqualTo(REFUSED);
  }

  @Test
  void decode_format1Entries_readsThemAsTheyAreAndReencodesTheSameBytes() throws Exception {
    AuditEntry released = AuditEntry.decode(HexFormat.of().parseHex(PINNED_V1_RELEASED));
    AuditEntry refused = AuditEntry.decode(HexFormat.of().parseHex(PINNED_V1_REFUSED));

    assertThat(released).isEqualTo(RELEASED_V1);
    assertThat(refused).isEqualTo(REFUSED_V1);
    assertThat(released.version()).isEqualTo(1);
    assertThat(released.event().ledgerId()).isEmpty();
    assertThat(HexFormat.of().formatHex(released.encode())).isEqualTo(PINNED_V1_RELEASED);
    assertThat(HexFormat.of().formatHex(released.hash())).isEqualTo(PINNED_V1_RELEASED_HASH);
    assertThat(HexFormat.of().formatHex(refused.encode())).isEqualTo(PINNED_V1_REFUSED);
  }

  @Test
  void decode_unknownFormat3Tag_throwsFormatNamingTheTagAndTheFormatsRead() {
    byte[] v3 = HexFormat.of().parseHex(PINNED_REFUSED);
    int tagLast = 1 + "cachet/audit/v2".length() - 1;
    assertThat((char) v3[tagLast]).isEqualTo('2');
    v3[tagLast] = '3';

    assertThatThrownBy(() -> AuditEntry.decode(v3)).isInstanceOf(FormatException.class)
        .hasMessageContaining("cachet/audit/v3").hasMessageContaining("formats 1 to 2");
  }

  @Test
  void construct_format1EntryNamingALedger_throwsIllegalArgument() {
    assertThatThrownBy(() -> new AuditEntry(1, 0, AuditEntry.GENESIS, RELEASED.event()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("format 1");
  }

  @Test
  void encode_format2_carriesTheLedgerIdAndTheBlockHash() {
    String hex = HexFormat.of().formatHex(RELEASED.encode());

    assertThat(hex).contains(HexFormat.of().formatHex(EVM_LEDGER.getBytes(StandardCharsets.US_ASCII)))
        .contains("20" + "55".repeat(32));
  }

  static final String PINNED_RELEASED = "0f6361636865742f61756469742f76320000000000000007111111111111111111111111111111111111111111111111"
      + "111111111111111100000199c82cc07b0107414c4c4f5745442030313233343536373839616263646566303132333435"
      + "36373839616263646566012222222222222222222222222222222222222222222222222222222222222222093132372e"
      + "302e302e31376569703135353a33313333373a3078356662646232333135363738616665636233363766303332643933"
      + "663634326636343138306161330133333333333333333333333333333333333333333333333333333333333333330144"
      + "4444444444444444444444444444444444444444444444444444444444444402000000000000002900000199c82cc000"
      + "20555555555555555555555555555555555555555555555555555555555555555500066d656d626572";
  static final String PINNED_REFUSED = "0f6361636865742f61756469742f76320000000000000000000000000000000000000000000000000000000000000000"
      + "00000000000000000000000000000001030d4241445f5349474e41545552450000033a3a3100000000ffffffffffffff"
      + "ff0000000000000000000002c3a9";
  static final String PINNED_RELEASED_HASH = "bb65d7b29fd880d5ee80ddf2509b30b1005c235447f09035e759f41ad5fe5a3a";

  // format 1, as written before the ledger id was recorded (unchanged pins from that version)
  static final String PINNED_V1_RELEASED = "0f6361636865742f61756469742f76310000000000000007111111111111111111111111111111111111111111111111"
      + "111111111111111100000199c82cc07b0107414c4c4f5745442030313233343536373839616263646566303132333435"
      + "36373839616263646566012222222222222222222222222222222222222222222222222222222222222222093132372e"
      + "302e302e3101333333333333333333333333333333333333333333333333333333333333333301444444444444444444"
      + "444444444444444444444444444444444444444444444402000000000000002900000199c82cc00000066d656d626572";
  static final String PINNED_V1_REFUSED = "0f6361636865742f61756469742f76310000000000000000000000000000000000000000000000000000000000000000"
      + "00000000000000000000000000000001030d4241445f5349474e41545552450000033a3a31000000ffffffffffffffff"
      + "00000000000000000002c3a9";
  static final String PINNED_V1_RELEASED_HASH = "3c0ca5edeeea6ae2187503b4cb567ed7d0588adb0759dacecd9ee6e4c24529d9";
}
