package io.cachet.crypto;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class HpkeRecipientKeyTest {
  /** Low-order X25519 points (RFC 7748 section 6.1 names them as inputs to refuse). */
  private static final String[] LOW_ORDER = {
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
  };

  @Test
  void of_lowOrderPoint_refusedAtConstruction() {
    for (String hex : LOW_ORDER) {
      byte[] key = HexFormat.of().parseHex(hex);
      assertThatThrownBy(() -> HpkeRecipientKey.of(key)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> HpkeRecipientKey.parse(Base64Url.encode(key))).isInstanceOf(FormatException.class);
    }
  }
}
