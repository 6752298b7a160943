// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Storage availability certificates, recorded for anyone to read.
/// @notice The EVM cannot check Ed25519 signatures: this registry records what a recorder says
/// (blob id, size, end epoch, the certificate's digest and its signers' Ed25519 public keys)
/// and readers check the storage nodes' signatures off-chain against the committee they trust.
/// Only the operator (the deployer) and recorders it appoints record, and a blob's lifetime only
/// goes up: a record that does not extend the end epoch changes nothing.
contract BlobRegistry {
    /// @notice Most signer keys one certificate may carry (as on the embedded ledger).
    uint256 public constant MAX_SIGNERS = 64;

    struct Certificate {
        uint64 size;
        uint64 endEpoch;
        uint64 recordedAt;
        bytes32 certificateDigest;
        bytes32[] signerKeys;
    }

    /// @notice Who appoints recorders.
    address public immutable operator;
    /// @notice Whether an account may record certificates.
    mapping(address => bool) public isRecorder;
    mapping(bytes32 => Certificate) internal _certificates;

    error NotAuthorized(address sender);
    error InvalidCertificate(bytes32 blobId);

    event RecorderSet(address indexed recorder, bool allowed);
    event CertificateRecorded(bytes32 indexed blobId, uint64 size, uint64 endEpoch, bytes32 certificateDigest, bytes32[] signerKeys);

    constructor() {
        operator = msg.sender;
        isRecorder[msg.sender] = true;
        emit RecorderSet(msg.sender, true);
    }

    /// @notice Lets `recorder` record certificates, or stops it. Operator only.
    function setRecorder(address recorder, bool allowed) external {
        if (msg.sender != operator) revert NotAuthorized(msg.sender);
        isRecorder[recorder] = allowed;
        emit RecorderSet(recorder, allowed);
    }

    /// @notice Records a certificate for `blobId` if it extends the recorded end epoch (or is the
    /// first); returns whether it did. 1..MAX_SIGNERS signer keys. Recorders only. The signatures
    /// are NOT checked here: readers check them off-chain.
    function record(bytes32 blobId, uint64 size, uint64 endEpoch, bytes32 certificateDigest, bytes32[] calldata signerKeys)
        external
        returns (bool recorded)
    {
        if (!isRecorder[msg.sender]) revert NotAuthorized(msg.sender);
        if (signerKeys.length == 0 || signerKeys.length > MAX_SIGNERS) revert InvalidCertificate(blobId);
        Certificate storage c = _certificates[blobId];
        if (c.recordedAt != 0 && c.endEpoch >= endEpoch) return false;
        c.size = size;
        c.endEpoch = endEpoch;
        c.recordedAt = uint64(block.timestamp);
        c.certificateDigest = certificateDigest;
        c.signerKeys = signerKeys;
        emit CertificateRecorded(blobId, size, endEpoch, certificateDigest, signerKeys);
        return true;
    }

    /// @notice The certificate recorded for `blobId`; recordedAt 0 (block seconds) if none.
    function certificate(bytes32 blobId)
        external
        view
        returns (uint64 size, uint64 endEpoch, uint64 recordedAt, bytes32 certificateDigest, bytes32[] memory signerKeys)
    {
        Certificate storage c = _certificates[blobId];
        return (c.size, c.endEpoch, c.recordedAt, c.certificateDigest, c.signerKeys);
    }
}
