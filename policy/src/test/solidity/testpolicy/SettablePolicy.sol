// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import "ICachetPolicy.sol";

/// @notice A test policy whose every answer a test sets: `set` stores what canRead answers for
/// one (policy, reader); anything unset is UNKNOWN_POLICY. Anyone may set: tests only.
contract SettablePolicy is ICachetPolicy {
    struct Answer {
        bool isSet;
        uint8 reason;
        uint64 validUntil;
    }

    mapping(bytes32 => mapping(address => Answer)) private answers;

    event Set(bytes32 indexed policyId, address indexed reader, uint8 reason, uint64 validUntil);

    function set(bytes32 policyId, address reader, uint8 reason, uint64 validUntil) external {
        answers[policyId][reader] = Answer(true, reason, validUntil);
        emit Set(policyId, reader, reason, validUntil);
    }

    function canRead(bytes32 policyId, address reader) external view returns (uint8 reason, uint64 validUntil) {
        Answer memory a = answers[policyId][reader];
        if (!a.isSet) {
            return (CachetReason.UNKNOWN_POLICY, 0);
        }
        return (a.reason, a.validUntil);
    }
}
