package io.cachet.policy.evm;

import io.cachet.crypto.Address;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;

/**
 * Reads a {@code BlobRegistry}'s certificate records with no account: an {@code eth_call} needs no
 * key, so a reader (a {@code cachet ls}) holds none. Recording is {@link BlobRegistryClient}'s.
 */
public final class BlobRegistryReader implements AutoCloseable {
  private final Web3j web3j;
  private final String registry;

  public BlobRegistryReader(URI rpcUrl, Address registry) {
    Objects.requireNonNull(registry, "registry");
    this.registry = registry.evmHex();
    this.web3j = EvmRpcClient.connect(rpcUrl);
  }

  /**
   * The certificate recorded for {@code blobId} at the newest block, if any.
   *
   * @throws IOException if the RPC fails or answers nothing (no contract at the address)
   */
  public Optional<BlobRegistryClient.Recorded> certificate(byte[] blobId) throws IOException {
    if (blobId == null || blobId.length != 32) {
      throw new IllegalArgumentException("blobId is 32 bytes");
    }
    Function f = BlobRegistryAbi.certificate(blobId);
    EthCall r = web3j.ethCall(Transaction.createEthCallTransaction(null, registry, FunctionEncoder.encode(f)),
        DefaultBlockParameterName.LATEST).send();
    if (r.hasError()) {
      throw new IOException("certificate: RPC error " + r.getError().getCode() + ": " + r.getError().getMessage());
    }
    if (r.getValue() == null || r.getValue().length() <= 2) {
      throw new IOException("certificate at " + registry + " returned nothing: is the blob registry deployed there?");
    }
    return decode(blobId, FunctionReturnDecoder.decode(r.getValue(), f.getOutputParameters()));
  }

  /** A {@code certificate(blobId)} answer as a record; none when never recorded (recordedAt 0). */
  @SuppressWarnings({"rawtypes", "unchecked"})
  static Optional<BlobRegistryClient.Recorded> decode(byte[] blobId, List<Type> out) {
    long recordedAt = ((BigInteger) out.get(2).getValue()).longValueExact();
    if (recordedAt == 0) {
      return Optional.empty();
    }
    List<byte[]> keys = new ArrayList<>();
    for (Object k : ((DynamicArray) out.get(4)).getValue()) {
      keys.add(((Bytes32) k).getValue());
    }
    return Optional.of(new BlobRegistryClient.Recorded(blobId, ((BigInteger) out.get(0).getValue()).longValueExact(),
        ((BigInteger) out.get(1).getValue()).longValueExact(), recordedAt, ((Bytes32) out.get(3)).getValue(), keys));
  }

  @Override
  public void close() {
    web3j.shutdown();
  }
}
