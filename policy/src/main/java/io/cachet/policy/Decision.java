package io.cachet.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.PolicyId;

/** The answer to "may this requester read under this policy now?", with the ledger state it was decided at. */
public record Decision(PolicyId policy, Address requester, boolean allowed, Reason reason, String message,
    long height, long ledgerTime) {}
