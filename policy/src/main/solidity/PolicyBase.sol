// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ICachetPolicy, CachetReason} from "./ICachetPolicy.sol";

/// @title Ids, owners and admins of Cachet's stock policies, and the `canRead` dispatch by kind.
/// @notice Rules mirror the embedded ledger: the owner or an admin manages members; only the
/// owner changes admins or transfers ownership; only allow-lists change after creation.
abstract contract PolicyBase is ICachetPolicy {
    /// @notice Policy kinds, as `describe` reports them; 0 means no such policy.
    uint8 internal constant KIND_NONE = 0;
    uint8 internal constant KIND_ALLOW_LIST = 1;
    uint8 internal constant KIND_TIME_LOCK = 2;
    uint8 internal constant KIND_TOKEN_GATE = 3;
    uint8 internal constant KIND_COMPOSITE = 4;

    /// @notice Most admins one policy may have (as on the embedded ledger).
    uint256 public constant MAX_ADMINS = 32;

    struct Head {
        uint8 kind;
        address owner;
        uint64 version;
        address[] admins;
    }

    mapping(bytes32 => Head) internal _heads;

    /// @notice The next creation nonce of each sender; part of the next policy id it creates.
    mapping(address => uint256) public nonces;

    error UnknownPolicy(bytes32 policyId);
    error NotAuthorized(bytes32 policyId, address sender);
    error ImmutablePolicy(bytes32 policyId);
    error AlreadyAdmin(bytes32 policyId, address admin);
    error NotAnAdmin(bytes32 policyId, address admin);
    error LimitExceeded(bytes32 policyId, uint256 limit);
    /// @notice Ownership may not go to the zero address: nobody could ever manage the policy again.
    error ZeroOwner(bytes32 policyId);

    event PolicyCreated(bytes32 indexed policyId, uint8 kind, address indexed owner);
    event AdminAdded(bytes32 indexed policyId, address indexed admin);
    event AdminRemoved(bytes32 indexed policyId, address indexed admin);
    event OwnershipTransferred(bytes32 indexed policyId, address indexed previousOwner, address indexed newOwner);

    /// @notice The id the sender's next created policy gets: unique per chain, contract, sender and nonce.
    function nextPolicyId(address sender) public view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this), sender, nonces[sender]));
    }

    /// @dev Creates a policy of `kind` owned by the sender and returns its fresh id.
    function _create(uint8 kind) internal returns (bytes32 id) {
        id = keccak256(abi.encode(block.chainid, address(this), msg.sender, nonces[msg.sender]++));
        Head storage h = _heads[id];
        h.kind = kind;
        h.owner = msg.sender;
        h.version = 1;
        emit PolicyCreated(id, kind, msg.sender);
    }

    /// @dev The head of an existing policy, else reverts UnknownPolicy.
    function _existing(bytes32 id) internal view returns (Head storage h) {
        h = _heads[id];
        if (h.kind == KIND_NONE) revert UnknownPolicy(id);
    }

    function _isAdmin(Head storage h, address who) internal view returns (bool) {
        for (uint256 i = 0; i < h.admins.length; i++) {
            if (h.admins[i] == who) return true;
        }
        return false;
    }

    /// @dev The allow-list `id` if the sender owns or administers it; checks in the embedded ledger's order.
    function _managedAllowList(bytes32 id) internal returns (Head storage h) {
        h = _existing(id);
        if (h.owner != msg.sender && !_isAdmin(h, msg.sender)) revert NotAuthorized(id, msg.sender);
        if (h.kind != KIND_ALLOW_LIST) revert ImmutablePolicy(id);
        h.version++;
    }

    /// @dev As `_managedAllowList`, for the owner alone.
    function _ownedAllowList(bytes32 id) internal returns (Head storage h) {
        h = _managedAllowList(id);
        if (h.owner != msg.sender) revert NotAuthorized(id, msg.sender);
    }

    /// @notice Makes `admin` an admin of allow-list `policyId`: it may then add, remove and
    /// change members. Owner only; at most MAX_ADMINS.
    function addAdmin(bytes32 policyId, address admin) external {
        Head storage h = _ownedAllowList(policyId);
        if (_isAdmin(h, admin)) revert AlreadyAdmin(policyId, admin);
        if (h.admins.length >= MAX_ADMINS) revert LimitExceeded(policyId, MAX_ADMINS);
        h.admins.push(admin);
        emit AdminAdded(policyId, admin);
    }

    /// @notice Removes `admin` from allow-list `policyId`'s admins. Owner only.
    function removeAdmin(bytes32 policyId, address admin) external {
        Head storage h = _ownedAllowList(policyId);
        uint256 n = h.admins.length;
        for (uint256 i = 0; i < n; i++) {
            if (h.admins[i] == admin) {
                h.admins[i] = h.admins[n - 1];
                h.admins.pop();
                emit AdminRemoved(policyId, admin);
                return;
            }
        }
        revert NotAnAdmin(policyId, admin);
    }

    /// @notice Hands allow-list `policyId` to `newOwner`; the sender keeps no rights unless it is
    /// an admin. Owner only.
    function transferOwnership(bytes32 policyId, address newOwner) external {
        Head storage h = _ownedAllowList(policyId);
        if (newOwner == address(0)) revert ZeroOwner(policyId);
        emit OwnershipTransferred(policyId, h.owner, newOwner);
        h.owner = newOwner;
    }

    /// @inheritdoc ICachetPolicy
    function canRead(bytes32 policyId, address reader) external view returns (uint8 reason, uint64 validUntil) {
        return _canRead(policyId, reader, 0);
    }

    /// @dev `canRead` at composite nesting `depth`; never reverts for an unknown policy.
    function _canRead(bytes32 id, address reader, uint256 depth) internal view returns (uint8, uint64) {
        uint8 kind = _heads[id].kind;
        if (kind == KIND_ALLOW_LIST) return _allowListCanRead(id, reader);
        if (kind == KIND_TIME_LOCK) return _timeLockCanRead(id);
        if (kind == KIND_TOKEN_GATE) return _tokenGateCanRead(id, reader);
        if (kind == KIND_COMPOSITE) return _compositeCanRead(id, reader, depth);
        return (CachetReason.UNKNOWN_POLICY, 0);
    }

    function _allowListCanRead(bytes32 id, address reader) internal view virtual returns (uint8, uint64);

    function _timeLockCanRead(bytes32 id) internal view virtual returns (uint8, uint64);

    function _tokenGateCanRead(bytes32 id, address reader) internal view virtual returns (uint8, uint64);

    function _compositeCanRead(bytes32 id, address reader, uint256 depth) internal view virtual returns (uint8, uint64);
}
