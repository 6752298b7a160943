// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title The one question a Cachet key server asks a policy contract.
/// @notice Any contract that implements this interface is an access policy: the key servers call
/// `canRead` with eth_call at a confirmed block and release a share only on reason ALLOWED.
/// Reason codes 0..63 are Cachet's (below); 64..255 are the contract's own denials.
interface ICachetPolicy {
    /// @notice Whether `reader` may read files sealed under `policyId` at this block.
    /// @return reason ALLOWED (0) or why not: UNKNOWN_POLICY 1, NOT_A_MEMBER 2, NOT_YET_VALID 3,
    ///         EXPIRED 4, LOCKED 5, NOT_A_HOLDER 6, or an app's own code 64..255.
    /// @return validUntil when allowed, the block time (seconds) from which this answer may turn
    ///         to a denial by time alone, type(uint64).max if time alone never ends it; 0 when
    ///         denied. A key server also denies once its own clock reaches it, so a chain that
    ///         stops producing blocks cannot stretch a grant.
    function canRead(bytes32 policyId, address reader) external view returns (uint8 reason, uint64 validUntil);
}

/// @notice Cachet's reason codes, as `canRead` returns them.
library CachetReason {
    uint8 internal constant ALLOWED = 0;
    uint8 internal constant UNKNOWN_POLICY = 1;
    uint8 internal constant NOT_A_MEMBER = 2;
    uint8 internal constant NOT_YET_VALID = 3;
    uint8 internal constant EXPIRED = 4;
    uint8 internal constant LOCKED = 5;
    uint8 internal constant NOT_A_HOLDER = 6;
    uint8 internal constant FIRST_APP_CODE = 64;
}
