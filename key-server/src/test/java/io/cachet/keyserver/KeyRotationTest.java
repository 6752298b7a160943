package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.WrongPassphraseException;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyResponse;
import io.cachet.crypto.protocol.ItemResult;
import io.cachet.crypto.protocol.ServiceDescriptor;
import io.cachet.policy.Window;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Key versions: the newest seals new envelopes, every older one still opens its shares. */
class KeyRotationTest extends KeyServerTestBase {
  private final Identity owner = Identity.generate(Requester.RANDOM);

  private ServiceDescriptor served(KeyServer ks) throws Exception {
    ServiceDescriptor d = ServiceDescriptor.fromJson(get(ks, "/v1/service").body().toString());
    d.verify();
    return d;
  }

  @Test
  void afterRotation_newEnvelopesUseTheNewKey_andBothVersionsOpen_acrossRestart() throws Exception {
    KeyServer ks = start("ks-1");
    Requester bob = new Requester(clock, List.of("ks-1"));
    PolicyId list = ledger.createAllowList(owner);
    ledger.addMember(owner, list, bob.address(), Window.ALWAYS);
    ServiceDescriptor v1 = served(ks);
    assertThat(v1.keyVersion()).isEqualTo(1);
    assertThat(v1.serverId()).isEqualTo("ks-1");
    EnvelopeHeader old = seal(list, ks);

    ServiceDescriptor rotated = ks.rotateKey().await(30, TimeUnit.SECONDS);
    ServiceDescriptor v2 = served(ks);
    assertThat(v2.keyVersion()).isEqualTo(2);
    assertThat(v2.hpkePublicKey()).isEqualTo(rotated.hpkePublicKey()).isNotEqualTo(v1.hpkePublicKey());
    assertThat(v2.verifyingKey()).as("the signing key does not rotate").isEqualTo(v1.verifyingKey());
    EnvelopeHeader fresh = seal(list, ks);
    assertThat(fresh.slot(1).keyFingerprint()).isEqualTo(v2.hpkePublicKey().fingerprint());
    assertThat(old.slot(1).keyFingerprint()).isEqualTo(v1.hpkePublicKey().fingerprint());
    caughtUp(ks);

    List<FetchKeyItem> both = List.of(FetchKeyItem.of(old, 1), FetchKeyItem.of(fresh, 1));
    FetchKeyResponse r = fetch(ks, bob, both).response();
    assertThat(r.items()).allMatch(ItemResult::isReleased);

    ks.closeAndWait();
    servers.remove(ks);
    assertThatThrownBy(() -> KeyServer.start(vertx, config("ks-1"), "not the passphrase".toCharArray(), clock)
        .await(30, TimeUnit.SECONDS)).isInstanceOf(WrongPassphraseException.class);
    KeyServer again = start("ks-1");
    assertThat(served(again).keyVersion()).isEqualTo(2);
    assertThat(served(again).hpkePublicKey()).isEqualTo(v2.hpkePublicKey());
    assertThat(served(again).verifyingKey()).isEqualTo(v1.verifyingKey());
    FetchKeyResponse afterRestart = fetch(again, bob, both).response();
    assertThat(afterRestart.items()).allMatch(ItemResult::isReleased);
    afterRestart.receipt().verify(v1.verifyingKey(), afterRestart.sealedShares());
  }

  @Test
  void offlineRotation_addsAVersion_onlyWhileTheServerIsStopped() throws Exception {
    KeyServer ks = start("ks-1");
    assertThatThrownBy(() -> KeyServerFiles.rotate(config("ks-1"), PASSPHRASE.clone()))
        .isInstanceOf(java.io.IOException.class).hasMessageContaining("in use by a running key server");

    ks.closeAndWait();
    servers.remove(ks);
    KeyServerFiles.Rotated r = KeyServerFiles.rotate(config("ks-1"), PASSPHRASE.clone());
    assertThat(r.version()).isEqualTo(2);
    assertThat(r.versions()).isEqualTo(2);
    assertThatThrownBy(() -> KeyServerFiles.rotate(config("ks-1"), "wrong".toCharArray()))
        .isInstanceOf(WrongPassphraseException.class);

    assertThat(served(start("ks-1")).keyVersion()).isEqualTo(2);
  }
}
