package io.cachet.cli.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Identity;
import io.cachet.crypto.Keystore;
import io.cachet.crypto.Requester;
import io.cachet.crypto.WrongPassphraseException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HeldIdentitiesTest {
  static final SecureRandom RANDOM = new SecureRandom();
  static final char[] PASS = "held identities".toCharArray();

  /** A clock the test moves by hand. */
  static final class HandClock extends Clock {
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-07T10:00:00Z"));

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now.get();
    }

    void advance(Duration d) {
      now.updateAndGet(i -> i.plus(d));
    }
  }

  static byte[] keystore(Identity id) {
    return Keystore.encrypt(id, PASS, new Keystore.KdfParams(8, 1, 1), RANDOM);
  }

  @Test
  void open_handsOutAFreshCopyEachTime_thatSignsAsTheIdentity() throws Exception {
    Identity id = Identity.generate(RANDOM);
    HeldIdentities held = new HeldIdentities(new HandClock(), Duration.ofHours(1));
    held.add("alice", keystore(id), PASS.clone(), null);
    Identity first = (Identity) held.open("alice", id.address());
    first.destroy();
    Requester second = held.open("alice", id.address());
    assertThat(second).isNotSameAs(first);
    assertThat(((Identity) second).isDestroyed()).isFalse();
    assertThat(second.address()).isEqualTo(id.address());
  }

  @Test
  void open_afterTheTimeToLive_isNull_andTheListIsEmpty() throws Exception {
    Identity id = Identity.generate(RANDOM);
    HandClock clock = new HandClock();
    HeldIdentities held = new HeldIdentities(clock, Duration.ofMinutes(10));
    held.add("alice", keystore(id), PASS.clone(), null);
    held.add("bob", keystore(Identity.generate(RANDOM)), PASS.clone(), Duration.ofHours(2));
    clock.advance(Duration.ofMinutes(10).minusSeconds(1));
    assertThat(held.open("alice", id.address())).isNotNull();
    clock.advance(Duration.ofSeconds(1));
    assertThat(held.open("alice", id.address())).isNull();
    assertThat(held.list()).extracting(HeldIdentities.Held::name).containsExactly("bob");
  }

  @Test
  void lock_forgetsEveryIdentityAtOnce() throws Exception {
    Identity id = Identity.generate(RANDOM);
    HeldIdentities held = new HeldIdentities(new HandClock(), Duration.ofHours(1));
    held.add("alice", keystore(id), PASS.clone(), null);
    assertThat(held.lock()).isEqualTo(1);
    assertThat(held.open("alice", id.address())).isNull();
    assertThat(held.list()).isEmpty();
  }

  @Test
  void remove_forgetsOneIdentity_andKeepsTheOthers() throws Exception {
    Identity alice = Identity.generate(RANDOM);
    Identity bob = Identity.generate(RANDOM);
    HeldIdentities held = new HeldIdentities(new HandClock(), Duration.ofHours(1));
    held.add("alice", keystore(alice), PASS.clone(), null);
    held.add("bob", keystore(bob), PASS.clone(), null);
    assertThat(held.remove("alice")).isTrue();
    assertThat(held.remove("alice")).isFalse();
    assertThat(held.open("alice", alice.address())).isNull();
    assertThat(held.open("bob", bob.address())).isNotNull();
    assertThat(held.list()).extracting(HeldIdentities.Held::name).containsExactly("bob");
  }

  @Test
  void open_ofAnotherKeyUnderTheSameName_isNull() throws Exception {
    Identity id = Identity.generate(RANDOM);
    HeldIdentities held = new HeldIdentities(new HandClock(), Duration.ofHours(1));
    held.add("alice", keystore(id), PASS.clone(), null);
    assertThat(held.open("alice", Identity.generate(RANDOM).address())).isNull();
  }

  @Test
  void add_withTheWrongPassphrase_throws_andHoldsNothing() {
    HeldIdentities held = new HeldIdentities(new HandClock(), Duration.ofHours(1));
    assertThatThrownBy(() -> held.add("alice", keystore(Identity.generate(RANDOM)), "wrong".toCharArray(), null))
        .isInstanceOf(WrongPassphraseException.class);
    assertThat(held.list()).isEmpty();
  }
}
