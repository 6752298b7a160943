package io.cachet.storage.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/** The lifetime file's format and the API's parameter parsing, over arbitrary input. */
class NodeFormatsProperties {
  @Property(tries = 500)
  void lifetime_roundTrips(@ForAll @LongRange(min = 0) long endEpoch) {
    byte[] bytes = LifetimeFile.encode(endEpoch);
    assertThat(bytes).hasSize(LifetimeFile.BYTES);
    assertThat(LifetimeFile.decode(bytes)).isEqualTo(endEpoch);
  }

  @Property(tries = 500)
  void lifetime_anyChangedByte_isRefused(@ForAll @LongRange(min = 0) long endEpoch,
      @ForAll @IntRange(min = 0, max = LifetimeFile.BYTES - 1) int at, @ForAll @IntRange(min = 1, max = 255) int flip) {
    byte[] bytes = LifetimeFile.encode(endEpoch);
    bytes[at] ^= (byte) flip;
    assertThatThrownBy(() -> LifetimeFile.decode(bytes)).isInstanceOf(IllegalArgumentException.class);
  }

  @Property(tries = 500)
  void lifetime_arbitraryBytes_decodeOnlyIfCanonical(@ForAll @Size(max = 16) byte[] bytes) {
    long v;
    try {
      v = LifetimeFile.decode(bytes);
    } catch (IllegalArgumentException e) {
      return;
    }
    assertThat(LifetimeFile.encode(v)).isEqualTo(bytes);
  }

  @Property(tries = 1000)
  void stripe_acceptsExactlyCanonicalNonNegativeInts(@ForAll String text) {
    long v;
    try {
      v = Params.stripe(text);
    } catch (NodeException e) {
      assertThat(e.reason()).isEqualTo(NodeException.Reason.INVALID_ARGUMENT);
      return;
    }
    assertThat(v).isBetween(0L, (long) Integer.MAX_VALUE);
    assertThat(Long.toString(v)).isEqualTo(text);
  }

  @Property(tries = 500)
  void stripe_parsesEveryNonNegativeInt(@ForAll @IntRange(min = 0) int stripe) throws NodeException {
    assertThat(Params.stripe(Integer.toString(stripe))).isEqualTo(stripe);
  }

  @Property(tries = 1000)
  void uploadId_acceptsExactlyTheAlphabet(@ForAll String text) {
    boolean valid = text.matches("[A-Za-z0-9_-]{1,64}");
    try {
      assertThat(Params.uploadId(text)).isEqualTo(text);
      assertThat(valid).isTrue();
    } catch (NodeException e) {
      assertThat(valid).isFalse();
    }
  }
}
