// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title An ERC-721 for tests: its deployer mints.
contract TestNft is ERC721, Ownable {
    constructor() ERC721("Cachet Test NFT", "CTN") Ownable(msg.sender) {}

    /// @notice Mints token `tokenId` to `to`. Owner only.
    function mint(address to, uint256 tokenId) external onlyOwner {
        _mint(to, tokenId);
    }
}
