// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {CachetReason} from "./ICachetPolicy.sol";
import {PolicyBase} from "./PolicyBase.sol";

/// @title Time locks: anyone reads from a block time on (inclusive). Immutable once created.
abstract contract TimeLocks is PolicyBase {
    mapping(bytes32 => uint64) internal _unlockAt;

    event TimeLockCreated(bytes32 indexed policyId, uint64 unlockAt);

    /// @notice Creates a time lock: LOCKED while block time < `opensAt`, ALLOWED from it on.
    function createTimeLock(uint64 opensAt) external returns (bytes32 policyId) {
        policyId = _create(KIND_TIME_LOCK);
        _unlockAt[policyId] = opensAt;
        emit TimeLockCreated(policyId, opensAt);
    }

    /// @notice The block time (seconds) time lock `policyId` opens at; 0 if there is none.
    function unlockAt(bytes32 policyId) external view returns (uint64) {
        return _unlockAt[policyId];
    }

    function _timeLockCanRead(bytes32 id) internal view override returns (uint8, uint64) {
        if (block.timestamp < _unlockAt[id]) return (CachetReason.LOCKED, 0);
        return (CachetReason.ALLOWED, type(uint64).max);
    }
}
