package io.cachet.policy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a follower's state back from its {@link FollowerStore} after a restart, without asking
 * the ledger for its whole history again. Every stored block passed the follower's full checks
 * before it was stored; on resume the chain links, the ledger id and the rules are checked again
 * for every block, and the sequencer's signature on the last one, which vouches for all the
 * blocks below it through the hash chain. One signature instead of one per block is what makes a
 * restart over a million blocks take seconds.
 */
final class FollowerResume {
  private static final Logger LOG = LoggerFactory.getLogger(FollowerResume.class);

  private FollowerResume() {}

  /** Opens the store in {@code dir} and applies its blocks to {@code chain}, which must be at genesis. */
  static FollowerStore resume(Path dir, ChainValidator chain) throws IOException {
    long started = System.nanoTime();
    FollowerStore store;
    try {
      store = FollowerStore.open(dir, b -> {
        try {
          chain.applyStored(b);
        } catch (ChainValidator.ChainException e) {
          throw new UncheckedIOException(new IOException(dir + ": stored blocks are not a valid chain: "
              + e.getMessage()));
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    try {
      chain.checkHeadSignature();
    } catch (ChainValidator.ChainException e) {
      store.close();
      throw new IOException(dir + ": stored blocks are not this ledger's sequencer's: " + e.getMessage());
    }
    Block head = chain.head();
    LOG.info("event=follower_resumed dir={} height={} ms={}", dir, head == null ? -1 : head.height(),
        (System.nanoTime() - started) / 1_000_000);
    return store;
  }
}
