package io.cachet.policy.evm;

import io.cachet.crypto.Address;
import io.cachet.crypto.CachetSecurityException;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * Records storage availability certificates in a {@code BlobRegistry} contract and reads them
 * back. The registry does not check the storage nodes' Ed25519 signatures (the EVM cannot): a
 * reader checks them off-chain against the committee it trusts, with the certificate itself.
 */
public final class BlobRegistryClient implements AutoCloseable {
  /** A certificate as the registry holds it; times in block seconds. */
  public record Recorded(byte[] blobId, long size, long endEpoch, long recordedAtSeconds, byte[] certificateDigest,
      List<byte[]> signerKeys) {
    public Recorded {
      blobId = blobId.clone();
      certificateDigest = certificateDigest.clone();
      signerKeys = signerKeys.stream().map(byte[]::clone).toList();
    }

    @Override
    public byte[] blobId() {
      return blobId.clone();
    }

    @Override
    public byte[] certificateDigest() {
      return certificateDigest.clone();
    }
  }

  /** Most signer keys one certificate carries (the contract's MAX_SIGNERS). */
  public static final int MAX_SIGNERS = 64;
  private static final int WORD = 32;

  private final Web3j web3j;
  private final EvmTransactions tx;
  private final String registry;

  /** Connects as {@code credentials}; IOException if the RPC serves another chain id. */
  public BlobRegistryClient(Credentials credentials, long chainId, URI rpcUrl, Address registry) throws IOException {
    Objects.requireNonNull(registry, "registry");
    this.registry = registry.evmHex();
    this.web3j = EvmRpcClient.connect(rpcUrl);
    this.tx = new EvmTransactions(web3j, credentials, chainId);
    try {
      tx.checkChainId();
    } catch (IOException e) {
      web3j.shutdown();
      throw e;
    }
  }

  /**
   * Records a certificate; returns the block holding it. A record that does not extend the blob's
   * end epoch is accepted and changes nothing (lifetimes only go up).
   *
   * @throws EvmRevertedException NOT_AUTHORIZED if this account is not a recorder,
   *     BAD_CERTIFICATE for no signer or more than {@link #MAX_SIGNERS}
   */
  public long record(byte[] blobId, long size, long endEpoch, byte[] certificateDigest, List<byte[]> signerKeys)
      throws IOException, CachetSecurityException {
    checkWord(blobId, "blobId");
    checkWord(certificateDigest, "certificateDigest");
    signerKeys.forEach(k -> checkWord(k, "signer key"));
    if (size < 0 || endEpoch < 0) {
      throw new IllegalArgumentException("size and endEpoch must not be negative");
    }
    TransactionReceipt r = tx.send(registry, BlobRegistryAbi.record(blobId, size, endEpoch, certificateDigest,
        signerKeys));
    return r.getBlockNumber().longValueExact();
  }

  /** Lets {@code recorder} record, or stops it; the operator (deployer) only. */
  public long setRecorder(Address recorder, boolean allowed) throws IOException, CachetSecurityException {
    return tx.send(registry, BlobRegistryAbi.setRecorder(recorder.evmHex(), allowed)).getBlockNumber().longValueExact();
  }

  /** The certificate recorded for {@code blobId} at the newest block, if any. */
  public Optional<Recorded> certificate(byte[] blobId) throws IOException, CachetSecurityException {
    checkWord(blobId, "blobId");
    return BlobRegistryReader.decode(blobId, tx.call(registry, BlobRegistryAbi.certificate(blobId),
        DefaultBlockParameterName.LATEST));
  }

  private static void checkWord(byte[] b, String what) {
    if (b == null || b.length != WORD) {
      throw new IllegalArgumentException(what + " is " + WORD + " bytes");
    }
  }

  @Override
  public void close() {
    web3j.shutdown();
  }
}
