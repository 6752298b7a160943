package io.cachet.crypto.protocol;

import static io.cachet.crypto.protocol.ProtocolMessagesTest.SERVER_HPKE;
import static io.cachet.crypto.protocol.ProtocolMessagesTest.header;
import static io.cachet.crypto.protocol.ResponseFormatTest.reason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Envelope;
import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.HpkeKeyPair;
import io.cachet.crypto.Share;
import io.cachet.crypto.ShareContext;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Share-release format 2 ({@link ShareRelease}): the released shares of a response open only for
 * their request, their ephemeral key and exactly the items they answer, each for its slot.
 */
class ShareReleaseTest {
  final HpkeKeyPair ephemeral = HpkeKeyPair.generate();
  final String requestId = ProtocolMessagesTest.randomRequestId();
  final EnvelopeHeader h = headerUnchecked();
  final ShareContext ctx = h.shareContext(1);
  final List<ShareRelease.Released> one = List.of(new ShareRelease.Released(0, ctx));

  EnvelopeHeader headerUnchecked() {
    try {
      return header();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  byte[] sealed() throws Exception {
    return ShareRelease.seal(requestId, one, List.of(Envelope.unsealShare(h, 1, SERVER_HPKE.get(0))),
        ephemeral.publicKey());
  }

  @Test
  void open_forAnotherRequestId_isBadShare() throws Exception {
    byte[] sealed = sealed();

    assertThat(reason(() -> ShareRelease.open(sealed, ProtocolMessagesTest.randomRequestId(), one, ephemeral)))
        .isEqualTo(ShareRelease.BAD_SHARE);
    assertThat(ShareRelease.open(sealed, requestId, one, ephemeral).get(0).index()).isEqualTo(1);
  }

  @Test
  void open_withAnotherEphemeralKey_isBadShare() throws Exception {
    byte[] sealed = sealed();

    assertThat(reason(() -> ShareRelease.open(sealed, requestId, one, HpkeKeyPair.generate())))
        .isEqualTo(ShareRelease.BAD_SHARE);
  }

  @Test
  void open_asAnotherItemOrContextOrMoreItems_isBadShare() throws Exception {
    byte[] sealed = sealed();

    assertThat(reason(() -> ShareRelease.open(sealed, requestId, List.of(new ShareRelease.Released(1, ctx)),
        ephemeral))).isEqualTo(ShareRelease.BAD_SHARE);
    assertThat(reason(() -> ShareRelease.open(sealed, requestId,
        List.of(new ShareRelease.Released(0, h.shareContext(2))), ephemeral))).isEqualTo(ShareRelease.BAD_SHARE);
    assertThat(reason(() -> ShareRelease.open(sealed, requestId,
        List.of(new ShareRelease.Released(0, ctx), new ShareRelease.Released(1, ctx)), ephemeral)))
        .isEqualTo(ShareRelease.BAD_SHARE);
  }

  @Test
  void open_truncatedOrGarbage_isBadShare() throws Exception {
    byte[] sealed = sealed();

    assertThat(reason(() -> ShareRelease.open(Arrays.copyOf(sealed, 40), requestId, one, ephemeral)))
        .isEqualTo(ShareRelease.BAD_SHARE);
    assertThat(reason(() -> ShareRelease.open(new byte[0], requestId, one, ephemeral)))
        .isEqualTo(ShareRelease.BAD_SHARE);
  }

  @Test
  void open_plaintextOfWrongLengthCountOrSlot_isBadShare() throws Exception {
    Share share = Envelope.unsealShare(h, 1, SERVER_HPKE.get(0));
    byte[] good = ShareRelease.plaintext(one, List.of(share));
    byte[] info = ShareRelease.info(requestId, one);
    byte[] longer = Arrays.copyOf(good, good.length + 1);
    byte[] count = good.clone();
    count[0] = 2;
    byte[] slot = good.clone();
    slot[2] = 2;

    for (byte[] plain : List.of(longer, count, slot, Arrays.copyOf(good, good.length - 1))) {
      byte[] sealed = ephemeral.publicKey().seal(plain, info);
      assertThat(reason(() -> ShareRelease.open(sealed, requestId, one, ephemeral)))
          .isEqualTo(ShareRelease.BAD_SHARE);
    }
  }

  @Test
  void seal_shareOfAnotherSlot_isRefused() throws Exception {
    Share share = Envelope.unsealShare(h, 1, SERVER_HPKE.get(0));

    assertThatThrownBy(() -> ShareRelease.seal(requestId, List.of(new ShareRelease.Released(0, h.shareContext(2))),
        List.of(share), ephemeral.publicKey())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void seal_itemsOutOfOrderOrRepeated_isRefused() throws Exception {
    Share share = Envelope.unsealShare(h, 1, SERVER_HPKE.get(0));
    List<ShareRelease.Released> repeated = List.of(new ShareRelease.Released(0, ctx),
        new ShareRelease.Released(0, ctx));

    assertThatThrownBy(() -> ShareRelease.seal(requestId, repeated, List.of(share, share), ephemeral.publicKey()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
