package io.cachet.storage.network;

import java.util.Arrays;

/** One storage node as the network knows it: its id, its shard index, where it listens, its key. */
public record NodeInfo(String id, int index, String url, byte[] publicKey) {
  public NodeInfo {
    if (id == null || !id.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException("a node id is 1..64 of [A-Za-z0-9._-]: " + id);
    }
    if (publicKey == null || publicKey.length != 32) {
      throw new IllegalArgumentException("a node key is 32 bytes");
    }
    publicKey = publicKey.clone();
    url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  @Override
  public byte[] publicKey() {
    return publicKey.clone();
  }

  public boolean hasKey(byte[] key) {
    return Arrays.equals(publicKey, key);
  }
}
