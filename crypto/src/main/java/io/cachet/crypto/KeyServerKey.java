package io.cachet.crypto;

import java.util.Objects;

/** A key server as an encryptor names it: its id and the HPKE public key shares are sealed to. */
public record KeyServerKey(String id, HpkeRecipientKey key) {
  public KeyServerKey {
    Names.check(id, "key server id");
    Objects.requireNonNull(key, "key");
  }
}
