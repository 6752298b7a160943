package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.EnvelopeHeader;
import io.cachet.crypto.Identity;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.policy.Window;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A decision that cannot be recorded is not released: the worker hands the audit log its events,
 * and when the log refuses them the answer is {@code 503 AUDIT_UNAVAILABLE}, with no share in it.
 */
class AuditUnavailableTest extends KeyServerTestBase {
  private final Identity owner = Identity.generate(Requester.RANDOM);

  @Test
  void allowedRequest_whoseRecordsCannotBeWritten_getsNoShare() throws Exception {
    KeyServer ks = start("ks-1");
    Requester bob = new Requester(clock, List.of("ks-1"));
    PolicyId list = ledger.createAllowList(owner);
    ledger.addMember(owner, list, bob.address(), Window.ALWAYS);
    EnvelopeHeader header = seal(list, ks);
    caughtUp(ks);
    assertThat(fetch(ks, bob, List.of(FetchKeyItem.of(header, 1))).response().items().get(0).isReleased()).isTrue();
    long recorded = ks.auditLog().records();

    ks.auditLog().close();
    Reply refused = fetch(ks, bob, List.of(FetchKeyItem.of(header, 1)));

    assertThat(refused.status()).as("%s", refused.body()).isEqualTo(503);
    assertThat(refused.reason()).isEqualTo("AUDIT_UNAVAILABLE");
    assertThat(refused.body().toString()).doesNotContain("sealedShares").doesNotContain(ks.auditLogFile().toString());
    assertThat(ks.auditLog().records()).isEqualTo(recorded);
  }
}
