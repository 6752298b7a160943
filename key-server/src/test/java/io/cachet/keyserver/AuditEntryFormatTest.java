package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.Address;
import io.cachet.crypto.ObjectId;
import io.cachet.crypto.PolicyId;
import io.cachet.keyserver.audit.AuditEntry;
import io.cachet.keyserver.audit.AuditEvent;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Pins the audit entry encoding and its hash: a change that breaks old logs fails here. */
class AuditEntryFormatTest {
  private static byte[] filled(int b) {
    byte[] x = new byte[32];
    Arrays.fill(x, (byte) b);
    return x;
  }

  static final AuditEntry RELEASED = new AuditEntry(7, filled(0x11), new AuditEvent(1_760_000_000_123L,
      AuditEvent.Outcome.RELEASED, "ALLOWED", "0123456789abcdef0123456789abcdef", Address.of(filled(0x22)),
      "127.0.0.1", PolicyId.of(filled(0x33)), ObjectId.of(filled(0x44)), 2, 41, 1_760_000_000_000L, "member"));

  static final AuditEntry REFUSED = new AuditEntry(0, AuditEntry.GENESIS, new AuditEvent(1, AuditEvent.Outcome.REFUSED,
      "BAD_SIGNATURE", "", null, "::1", null, null, 0, -1, 0, "é"));

  @Test
  void encodings_andHashes_arePinned() throws Exception {
    String released = HexFormat.of().formatHex(RELEASED.encode());
    String refused = HexFormat.of().formatHex(REFUSED.encode());

    assertThat(released).isEqualTo(PINNED_RELEASED);
    assertThat(refused).isEqualTo(PINNED_REFUSED);
    assertThat(HexFormat.of().formatHex(RELEASED.hash())).isEqualTo(PINNED_RELEASED_HASH);
    assertThat(AuditEntry.decode(HexFormat.of().parseHex(PINNED_RELEASED))).isEqualTo(RELEASED);
    assertThat(AuditEntry.decode(HexFormat.of().parseHex(PINNED_REFUSED))).isEqualTo(REFUSED);
  }

  static final String PINNED_RELEASED = "0f6361636865742f61756469742f76310000000000000007111111111111111111111111111111111111111111111111"
      + "111111111111111100000199c82cc07b0107414c4c4f5745442030313233343536373839616263646566303132333435"
      + "36373839616263646566012222222222222222222222222222222222222222222222222222222222222222093132372e"
      + "302e302e3101333333333333333333333333333333333333333333333333333333333333333301444444444444444444"
      + "444444444444444444444444444444444444444444444402000000000000002900000199c82cc00000066d656d626572";
  static final String PINNED_REFUSED = "0f6361636865742f61756469742f76310000000000000000000000000000000000000000000000000000000000000000"
      + "00000000000000000000000000000001030d4241445f5349474e41545552450000033a3a31000000ffffffffffffffff"
      + "00000000000000000002c3a9";
  static final String PINNED_RELEASED_HASH = "3c0ca5edeeea6ae2187503b4cb567ed7d0588adb0759dacecd9ee6e4c24529d9";
}
