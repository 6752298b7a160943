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
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p - 1
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p, non-canonical 0
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p + 1, non-canonical 1
      "0000000000000000000000000000000000000000000000000000000000000080", // 0 with the top bit set
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880", // top bit set
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
