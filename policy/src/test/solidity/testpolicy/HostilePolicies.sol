// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import "ICachetPolicy.sol";

/// @notice Loops until the call runs out of gas: a key server must cap the gas and deny.
contract GasBurner is ICachetPolicy {
    uint256 private counter;

    function canRead(bytes32, address) external view returns (uint8, uint64) {
        uint256 i = counter;
        while (true) {
            i = uint256(keccak256(abi.encode(i)));
        }
        return (0, type(uint64).max);
    }
}

/// @notice Always reverts.
contract RevertingPolicy is ICachetPolicy {
    function canRead(bytes32, address) external pure returns (uint8, uint64) {
        revert("RevertingPolicy: no");
    }
}

/// @notice Answers every call with one zero word: too short for (uint8, uint64).
contract ShortAnswerPolicy {
    fallback() external {
        assembly {
            mstore(0, 0)
            return(0, 32)
        }
    }
}

/// @notice Answers (300, max): a first word no uint8 holds, which must not read as ALLOWED.
contract WideAnswerPolicy {
    fallback() external {
        assembly {
            mstore(0, 0x100)
            mstore(32, 0xffffffffffffffff)
            return(0, 64)
        }
    }
}
