// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ICachetPolicy} from "./ICachetPolicy.sol";
import {AllowLists} from "./AllowLists.sol";
import {TimeLocks} from "./TimeLocks.sol";
import {TokenGates} from "./TokenGates.sol";
import {Composites} from "./Composites.sol";

/// @title Cachet's stock policies in one contract, so that a policy id alone names one.
/// @notice Envelopes sealed under these policies name `eip155:<chain id>:<this address>`.
contract CachetPolicies is AllowLists, TimeLocks, TokenGates, Composites {
    /// @notice The policy's kind (0 none, 1 allow-list, 2 time lock, 3 token gate, 4 composite),
    /// owner, version (incremented by each change) and admins, plus its member count (allow-lists).
    /// Kind-specific fields: `members`, `unlockAt`, `tokenGate`, `composite`.
    function describe(bytes32 policyId)
        external
        view
        returns (uint8 kind, address owner, uint64 version, address[] memory admins, uint256 memberCount)
    {
        Head storage h = _heads[policyId];
        return (h.kind, h.owner, h.version, h.admins, _memberList[policyId].length);
    }

    /// @notice ERC-165: true for ICachetPolicy and ERC-165 itself.
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(ICachetPolicy).interfaceId || interfaceId == 0x01ffc9a7;
    }
}
