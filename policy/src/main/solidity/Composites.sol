// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ICachetPolicy, CachetReason} from "./ICachetPolicy.sol";
import {PolicyBase} from "./PolicyBase.sol";

/// @title Composites: all-of and any-of over other policies, here or in other ICachetPolicy contracts.
/// @notice A part that cannot be asked (reverts, burns its gas, answers garbage, nests too deep)
/// counts as a denial with reason UNKNOWN_POLICY; `canRead` never reverts. Size is bounded at
/// creation (parts, nesting, policies asked), so one decision's gas is bounded too. Immutable.
abstract contract Composites is PolicyBase {
    /// @notice Most parts one composite may name.
    uint256 public constant MAX_PARTS = 16;
    /// @notice Deepest nesting of composites within this contract (a composite over plain policies is 1).
    uint256 public constant MAX_DEPTH = 4;
    /// @notice Most policies one decision may ask, counting through nested composites in this
    /// contract; with PART_GAS it bounds the gas of one `canRead`.
    uint256 public constant MAX_LEAVES = 64;
    /// @notice Gas one part in another contract may use; a cycle through contracts ends on it.
    uint256 public constant PART_GAS = 150_000;

    /// @notice Modes, as the create functions record them.
    uint8 public constant ALL_OF = 0;
    uint8 public constant ANY_OF = 1;

    struct Part {
        address policies;
        bytes32 policyId;
    }

    mapping(bytes32 => Part[]) internal _parts;
    mapping(bytes32 => uint8) internal _modes;
    /// @dev nesting depth and leaf count of each composite, fixed at creation
    mapping(bytes32 => uint256) internal _depth;
    mapping(bytes32 => uint256) internal _leaves;

    error InvalidComposite(uint256 parts);
    error CompositeTooLarge(uint256 depth, uint256 leaves);

    event CompositeCreated(bytes32 indexed policyId, uint8 mode, address[] contracts, bytes32[] policyIds);

    /// @notice A policy that allows whom every part allows; validUntil is the earliest of the parts'.
    /// Parts in this contract must exist; parts elsewhere must be contracts. At most MAX_PARTS
    /// parts, MAX_DEPTH nesting and MAX_LEAVES policies asked in all.
    function createAllOf(address[] calldata contracts, bytes32[] calldata policyIds) external returns (bytes32) {
        return _createComposite(ALL_OF, contracts, policyIds);
    }

    /// @notice A policy that allows whom any part allows; validUntil is the latest of the allowing parts'.
    function createAnyOf(address[] calldata contracts, bytes32[] calldata policyIds) external returns (bytes32) {
        return _createComposite(ANY_OF, contracts, policyIds);
    }

    /// @notice The composite's mode and parts; no parts if there is none.
    function composite(bytes32 policyId)
        external
        view
        returns (uint8 mode, address[] memory contracts, bytes32[] memory policyIds)
    {
        Part[] storage ps = _parts[policyId];
        contracts = new address[](ps.length);
        policyIds = new bytes32[](ps.length);
        for (uint256 i = 0; i < ps.length; i++) {
            contracts[i] = ps[i].policies;
            policyIds[i] = ps[i].policyId;
        }
        return (_modes[policyId], contracts, policyIds);
    }

    function _createComposite(uint8 mode, address[] calldata contracts, bytes32[] calldata policyIds)
        private
        returns (bytes32 policyId)
    {
        uint256 n = contracts.length;
        if (n == 0 || n > MAX_PARTS || policyIds.length != n) revert InvalidComposite(n);
        uint256 depth = 1;
        uint256 leaves = 0;
        for (uint256 i = 0; i < n; i++) {
            if (contracts[i] == address(this)) {
                if (_existing(policyIds[i]).kind == KIND_COMPOSITE) {
                    if (_depth[policyIds[i]] + 1 > depth) depth = _depth[policyIds[i]] + 1;
                    leaves += _leaves[policyIds[i]];
                } else {
                    leaves += 1;
                }
            } else if (contracts[i].code.length == 0) {
                revert UnknownPolicy(policyIds[i]);
            } else {
                leaves += 1;
            }
        }
        if (depth > MAX_DEPTH || leaves > MAX_LEAVES) revert CompositeTooLarge(depth, leaves);
        policyId = _create(KIND_COMPOSITE);
        _modes[policyId] = mode;
        _depth[policyId] = depth;
        _leaves[policyId] = leaves;
        for (uint256 i = 0; i < n; i++) {
            _parts[policyId].push(Part(contracts[i], policyIds[i]));
        }
        emit CompositeCreated(policyId, mode, contracts, policyIds);
    }

    function _compositeCanRead(bytes32 id, address reader, uint256 depth) internal view override returns (uint8, uint64) {
        if (depth >= MAX_DEPTH) return (CachetReason.UNKNOWN_POLICY, 0);
        Part[] storage ps = _parts[id];
        bool all = _modes[id] == ALL_OF;
        uint64 until = all ? type(uint64).max : 0;
        uint8 firstDenial = CachetReason.ALLOWED;
        bool anyAllowed = false;
        for (uint256 i = 0; i < ps.length; i++) {
            (uint8 reason, uint64 partUntil) = ps[i].policies == address(this)
                ? _canRead(ps[i].policyId, reader, depth + 1)
                : _askOther(ps[i], reader);
            if (reason == CachetReason.ALLOWED) {
                anyAllowed = true;
                if (all ? partUntil < until : partUntil > until) until = partUntil;
            } else {
                if (firstDenial == CachetReason.ALLOWED) firstDenial = reason;
                if (all) return (reason, 0);
            }
        }
        if (all || anyAllowed) return (CachetReason.ALLOWED, until);
        return (firstDenial, 0);
    }

    /// @dev canRead on another contract with a gas cap, copying back at most two words.
    function _askOther(Part storage p, address reader) private view returns (uint8, uint64) {
        bytes memory data = abi.encodeWithSelector(ICachetPolicy.canRead.selector, p.policyId, reader);
        address target = p.policies;
        uint256 gasCap = PART_GAS;
        bool ok;
        uint256 size;
        uint256 reason;
        uint256 until;
        assembly ("memory-safe") {
            let out := mload(0x40)
            ok := staticcall(gasCap, target, add(data, 0x20), mload(data), out, 0x40)
            size := returndatasize()
            reason := mload(out)
            until := mload(add(out, 0x20))
        }
        if (!ok || size < 64 || reason > type(uint8).max || until > type(uint64).max) {
            return (CachetReason.UNKNOWN_POLICY, 0);
        }
        return (uint8(reason), uint64(until));
    }
}
