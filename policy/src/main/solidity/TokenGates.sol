// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {CachetReason} from "./ICachetPolicy.sol";
import {PolicyBase} from "./PolicyBase.sol";

/// @title Token gates: holders of an ERC-721, or of at least a minimum of an ERC-20, read.
/// @notice Balances are read at the block asked about, so a mint or transfer changes access from
/// its block on. A token that reverts, burns gas or answers garbage denies; `canRead` never reverts.
abstract contract TokenGates is PolicyBase {
    /// @notice Token standards, as createTokenGate takes them.
    uint8 public constant ERC721 = 0;
    uint8 public constant ERC20 = 1;

    /// @notice Gas one balanceOf call may use; a token that needs more is treated as a denial.
    uint256 public constant BALANCE_GAS = 60_000;

    struct Gate {
        address token;
        uint8 standard;
        uint256 minimum;
    }

    mapping(bytes32 => Gate) internal _gates;

    error InvalidTokenGate(address token, uint8 standard, uint256 minimum);

    event TokenGateCreated(bytes32 indexed policyId, address indexed token, uint8 standard, uint256 minimum);

    /// @notice Creates a gate: a reader whose `token.balanceOf(reader)` is at least `minimum` (>= 1)
    /// is allowed. `token` must be a contract; `standard` is ERC721 or ERC20. Immutable.
    function createTokenGate(address token, uint8 standard, uint256 minimum) external returns (bytes32 policyId) {
        if (token.code.length == 0 || standard > ERC20 || minimum == 0) {
            revert InvalidTokenGate(token, standard, minimum);
        }
        policyId = _create(KIND_TOKEN_GATE);
        _gates[policyId] = Gate(token, standard, minimum);
        emit TokenGateCreated(policyId, token, standard, minimum);
    }

    /// @notice The gate's token, standard and minimum; a zero token if there is none.
    function tokenGate(bytes32 policyId) external view returns (address token, uint8 standard, uint256 minimum) {
        Gate storage g = _gates[policyId];
        return (g.token, g.standard, g.minimum);
    }

    function _tokenGateCanRead(bytes32 id, address reader) internal view override returns (uint8, uint64) {
        Gate storage g = _gates[id];
        (bool ok, uint256 held) = _balanceOf(g.token, reader);
        if (!ok || held < g.minimum) return (CachetReason.NOT_A_HOLDER, 0);
        return (CachetReason.ALLOWED, type(uint64).max);
    }

    /// @dev balanceOf with a gas cap, copying at most one word back so a huge answer costs nothing.
    function _balanceOf(address token, address owner) private view returns (bool ok, uint256 amount) {
        bytes memory data = abi.encodeWithSelector(0x70a08231, owner);
        uint256 gasCap = BALANCE_GAS;
        uint256 size;
        assembly ("memory-safe") {
            let out := mload(0x40)
            ok := staticcall(gasCap, token, add(data, 0x20), mload(data), out, 0x20)
            size := returndatasize()
            amount := mload(out)
        }
        if (size < 32) ok = false;
    }
}
