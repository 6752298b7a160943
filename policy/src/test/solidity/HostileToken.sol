// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title A token that misbehaves in balanceOf, as chosen: 0 reverts, 1 burns all its gas,
/// 2 answers one byte, 3 answers a huge blob.
contract HostileToken {
    uint256 public immutable mode;

    constructor(uint256 mode_) {
        mode = mode_;
    }

    /// @notice Misbehaves by `mode`.
    function balanceOf(address) external view returns (uint256) {
        if (mode == 0) revert("no");
        if (mode == 1) {
            uint256 x;
            while (gasleft() > 0) x++;
            return x;
        }
        if (mode == 2) {
            assembly { return(0, 1) }
        }
        assembly { return(0, 0x100000) }
    }
}
