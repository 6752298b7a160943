package io.cachet.policy.evm;

import java.math.BigInteger;
import java.util.List;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint64;

/** The ABI of {@code BlobRegistry.sol} as web3j {@link Function}s. */
public final class BlobRegistryAbi {
  private BlobRegistryAbi() {}

  public static Function record(byte[] blobId, long size, long endEpoch, byte[] certificateDigest, List<byte[]> signerKeys) {
    return new Function("record", List.of(new Bytes32(blobId), new Uint64(BigInteger.valueOf(size)),
        new Uint64(BigInteger.valueOf(endEpoch)), new Bytes32(certificateDigest),
        new DynamicArray<>(Bytes32.class, signerKeys.stream().map(Bytes32::new).toList())),
        List.of(new TypeReference<Bool>() {}));
  }

  public static Function setRecorder(String recorder, boolean allowed) {
    return new Function("setRecorder", List.of(new Address(recorder), new Bool(allowed)), List.of());
  }

  /** {@code certificate(blobId) returns (uint64 size, uint64 endEpoch, uint64 recordedAt, bytes32 digest, bytes32[] signerKeys)}. */
  public static Function certificate(byte[] blobId) {
    return new Function("certificate", List.of(new Bytes32(blobId)), List.of(new TypeReference<Uint64>() {},
        new TypeReference<Uint64>() {}, new TypeReference<Uint64>() {}, new TypeReference<Bytes32>() {},
        new TypeReference<DynamicArray<Bytes32>>() {}));
  }

  public static Function isRecorder(String account) {
    return new Function("isRecorder", List.of(new Address(account)), List.of(new TypeReference<Bool>() {}));
  }
}
