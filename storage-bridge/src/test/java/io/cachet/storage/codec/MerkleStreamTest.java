package io.cachet.storage.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The streamed root and proofs equal the ones computed over the whole list, for every shape of tree. */
class MerkleStreamTest {

  private static List<byte[]> digests(int count, long seed) {
    Random random = new Random(seed);
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] d = new byte[Hashes.DIGEST_BYTES];
      random.nextBytes(d);
      out.add(d);
    }
    return out;
  }

  @Test
  void accumulatedRoot_equalsTheWholeListRoot_forZeroToManyLeaves() {
    for (int n = 0; n <= 70; n++) {
      List<byte[]> leaves = digests(n, n);
      MerkleTree.Accumulator a = new MerkleTree.Accumulator();
      leaves.forEach(a::add);
      assertThat(a.root()).as("root of %d leaves", n).isEqualTo(MerkleTree.root(leaves));
      assertThat(a.count()).isEqualTo(n);
    }
  }

  @Test
  void streamedProof_equalsTheWholeListProof_forEveryLeaf_andReadsAboutEachLeafOnce() throws Exception {
    for (int n = 1; n <= 40; n++) {
      List<byte[]> leaves = digests(n, 100 + n);
      for (int i = 0; i < n; i++) {
        long[] read = {0};
        List<byte[]> streamed = MerkleTree.proof((from, to, sink) -> {
          read[0] += to - from;
          for (long j = from; j < to; j++) {
            sink.accept(leaves.get((int) j));
          }
        }, n, i);
        List<byte[]> whole = MerkleTree.proof(leaves, i);
        assertThat(streamed).as("proof of leaf %d of %d", i, n).hasSameSizeAs(whole);
        for (int k = 0; k < whole.size(); k++) {
          assertThat(streamed.get(k)).as("node %d of the proof of leaf %d of %d", k, i, n).isEqualTo(whole.get(k));
        }
        assertThat(read[0]).isLessThan(n);
        assertThat(MerkleTree.rootFromProof(leaves.get(i), i, streamed)).isEqualTo(MerkleTree.root(leaves));
      }
    }
  }
}
