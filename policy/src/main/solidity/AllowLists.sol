// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {CachetReason} from "./ICachetPolicy.sol";
import {PolicyBase} from "./PolicyBase.sol";

/// @title Allow-lists: named readers, each within a [start, end) window of block time (seconds).
abstract contract AllowLists is PolicyBase {
    /// @notice Most members one allow-list may hold (as on the embedded ledger).
    uint256 public constant MAX_MEMBERS = 10_000;

    struct Member {
        uint64 start;
        uint64 end;
        /// @dev position in the member array plus one; 0: not a member
        uint32 slot;
    }

    mapping(bytes32 => address[]) internal _memberList;
    mapping(bytes32 => mapping(address => Member)) internal _members;

    error InvalidWindow(uint64 start, uint64 end);
    error AlreadyMember(bytes32 policyId, address member);
    error NotAMember(bytes32 policyId, address member);

    event MemberAdded(bytes32 indexed policyId, address indexed member, uint64 start, uint64 end);
    event WindowChanged(bytes32 indexed policyId, address indexed member, uint64 start, uint64 end);
    event MemberRemoved(bytes32 indexed policyId, address indexed member);

    /// @notice Creates an empty allow-list owned by the sender.
    /// @return policyId the new policy's id (also in PolicyCreated)
    function createAllowList() external returns (bytes32 policyId) {
        return _create(KIND_ALLOW_LIST);
    }

    /// @notice Lets `member` read from block time `start` (inclusive) to `end` (exclusive).
    /// Owner or admin; the window must end after it starts; at most MAX_MEMBERS members.
    function addMember(bytes32 policyId, address member, uint64 start, uint64 end) external {
        _managedAllowList(policyId);
        if (end <= start) revert InvalidWindow(start, end);
        Member storage m = _members[policyId][member];
        if (m.slot != 0) revert AlreadyMember(policyId, member);
        address[] storage list = _memberList[policyId];
        if (list.length >= MAX_MEMBERS) revert LimitExceeded(policyId, MAX_MEMBERS);
        list.push(member);
        m.start = start;
        m.end = end;
        m.slot = uint32(list.length);
        emit MemberAdded(policyId, member, start, end);
    }

    /// @notice Replaces an existing member's window. Owner or admin.
    function changeWindow(bytes32 policyId, address member, uint64 start, uint64 end) external {
        _managedAllowList(policyId);
        if (end <= start) revert InvalidWindow(start, end);
        Member storage m = _members[policyId][member];
        if (m.slot == 0) revert NotAMember(policyId, member);
        m.start = start;
        m.end = end;
        emit WindowChanged(policyId, member, start, end);
    }

    /// @notice Removes `member`: from the block holding this, it reads no more. Owner or admin.
    function removeMember(bytes32 policyId, address member) external {
        _managedAllowList(policyId);
        Member storage m = _members[policyId][member];
        uint256 slot = m.slot;
        if (slot == 0) revert NotAMember(policyId, member);
        address[] storage list = _memberList[policyId];
        address last = list[list.length - 1];
        list[slot - 1] = last;
        _members[policyId][last].slot = uint32(slot);
        list.pop();
        delete _members[policyId][member];
        emit MemberRemoved(policyId, member);
    }

    /// @notice Up to `limit` members from position `offset`, with their windows (block seconds).
    function members(bytes32 policyId, uint256 offset, uint256 limit)
        external
        view
        returns (address[] memory accounts, uint64[] memory starts, uint64[] memory ends)
    {
        address[] storage list = _memberList[policyId];
        uint256 n = offset >= list.length ? 0 : list.length - offset;
        if (n > limit) n = limit;
        accounts = new address[](n);
        starts = new uint64[](n);
        ends = new uint64[](n);
        for (uint256 i = 0; i < n; i++) {
            address a = list[offset + i];
            Member storage m = _members[policyId][a];
            accounts[i] = a;
            starts[i] = m.start;
            ends[i] = m.end;
        }
    }

    function _allowListCanRead(bytes32 id, address reader) internal view override returns (uint8, uint64) {
        Member storage m = _members[id][reader];
        if (m.slot == 0) return (CachetReason.NOT_A_MEMBER, 0);
        if (block.timestamp < m.start) return (CachetReason.NOT_YET_VALID, 0);
        if (block.timestamp >= m.end) return (CachetReason.EXPIRED, 0);
        return (CachetReason.ALLOWED, m.end);
    }
}
