package io.cachet.policy;

import io.cachet.crypto.Address;
import io.cachet.crypto.PolicyId;

/**
 * The answer to "may this requester read under this policy now?", with the ledger state it was
 * decided at. A window end may also have been judged at the evaluating server's clock
 * ({@link PolicyEvaluator}); the message then says so.
 */
public record Decision(PolicyId policy, Address requester, boolean allowed, Reason reason, String message,
    long height, long ledgerTime) {}
