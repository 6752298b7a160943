package io.cachet.crypto;

import com.google.crypto.tink.StreamingAead;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * Seals and opens Cachet envelopes: {@code header || body}, where the header (see
 * {@link EnvelopeHeader}) carries the sealed shares and the DEK commitment, and the body is the
 * plaintext under Tink streaming AEAD with the encoded header as associated data.
 *
 * <p>Order of checks when opening, all before any plaintext is returned: the header parses; the
 * shares rebuild a key (consistent if more than t); the key matches the commitment; the first
 * segment authenticates (which also authenticates the whole header). The channel form further
 * checks the exact body length and authenticates the last segment up front, so truncation and
 * extension are refused before the first byte. The stream form cannot see the end before reading
 * it: it releases only authenticated segments and fails before signalling end of stream if the
 * body is cut short, extended or reordered.
 *
 * <p>Sealing and opening hold one segment at a time: memory does not grow with the object.
 */
public final class Envelope {
  /** The first four bytes of every envelope: "CCHT". */
  public static final byte[] MAGIC = {'C', 'C', 'H', 'T'};

  /** The envelope format version this build writes and reads. */
  public static final int VERSION = 1;

  /** Size of the copy buffer when sealing: a few segments at a time keeps the JIT on the fast path. */
  private static final int COPY_BUFFER = 1 << 20;

  private Envelope() {}

  // ---------------------------------------------------------------- sealing

  /**
   * Seals exactly {@code length} bytes of {@code plaintext} into {@code out} under a fresh data
   * key and object id. The stream must hold exactly that many bytes; otherwise this fails and what
   * was written to {@code out} must be discarded. {@code out} is flushed, not closed.
   */
  public static EnvelopeHeader seal(SealParameters params, InputStream plaintext, long length,
      OutputStream out, SecureRandom random) throws IOException {
    if (length < 0 || length > EnvelopeHeader.MAX_PLAINTEXT_LENGTH) {
      throw new IllegalArgumentException("plaintext length must be 0.." + EnvelopeHeader.MAX_PLAINTEXT_LENGTH);
    }
    DataKey key = DataKey.generate(random);
    try {
      EnvelopeHeader header = sealHeader(params, key, ObjectId.random(random), length, random);
      writeBody(header, key, plaintext, out);
      return header;
    } finally {
      key.destroy();
    }
  }

  /** Builds the header for a given key and object id: split, seal each share, commit. */
  static EnvelopeHeader sealHeader(SealParameters params, DataKey key, ObjectId objectId, long length,
      SecureRandom random) {
    int n = params.keyServers().size();
    List<Share> shares = Shamir.split(key, params.threshold(), n, random);
    List<KeyServerSlot> slots = new ArrayList<>(n);
    try {
      for (int i = 1; i <= n; i++) {
        KeyServerKey server = params.keyServers().get(i - 1);
        ShareContext context = new ShareContext(VERSION, params.ledgerId(), params.policyId(), objectId,
            params.threshold(), n, server.id(), i);
        byte[] value = shares.get(i - 1).value();
        try {
          slots.add(new KeyServerSlot(i, server.id(), server.key().fingerprint(),
              server.key().seal(value, context.info())));
        } finally {
          Arrays.fill(value, (byte) 0);
        }
      }
    } finally {
      shares.forEach(Share::destroy);
    }
    return new EnvelopeHeader(params.ledgerId(), params.policyId(), objectId, params.threshold(),
        BodyLayout.DEFAULT, length, DekCommitment.compute(key, objectId), slots);
  }

  static void writeBody(EnvelopeHeader header, DataKey key, InputStream plaintext, OutputStream out)
      throws IOException {
    out.write(header.encoded());
    StreamingAead aead;
    try {
      aead = header.body().streamingAead(key);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("streaming AEAD unavailable", e);
    }
    OutputStream keepOpen = new FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        out.flush();
      }
    };
    try (OutputStream enc = newEncryptingStream(aead, keepOpen, header.encoded())) {
      byte[] buf = new byte[COPY_BUFFER];
      long left = header.plaintextLength();
      while (left > 0) {
        int n = plaintext.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          throw new IOException("plaintext ended after " + (header.plaintextLength() - left)
              + " of the " + header.plaintextLength() + " bytes declared");
        }
        enc.write(buf, 0, n);
        left -= n;
      }
      if (plaintext.read() >= 0) {
        throw new IOException("plaintext is longer than the " + header.plaintextLength() + " bytes declared");
      }
    }
  }

  private static OutputStream newEncryptingStream(StreamingAead aead, OutputStream out, byte[] ad)
      throws IOException {
    try {
      return aead.newEncryptingStream(out, ad);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("streaming AEAD unavailable", e);
    }
  }

  // ---------------------------------------------------------------- shares

  /** Opens slot {@code index}'s share with a key server's HPKE key, under the header's own context. */
  public static Share unsealShare(EnvelopeHeader header, int index, HpkeKeyPair key) throws ShareUnsealException {
    return unsealShare(header.shareContext(index), header.slot(index).sealedShare(), key);
  }

  /**
   * Opens a sealed share under a context: what a key server does with the context a requester
   * presents. Fails with {@link ShareUnsealException} unless the context is exactly the one the
   * share was sealed under and the key is the one it was sealed to.
   */
  public static Share unsealShare(ShareContext context, byte[] sealedShare, HpkeKeyPair key)
      throws ShareUnsealException {
    byte[] value;
    try {
      value = key.open(sealedShare, context.info());
    } catch (GeneralSecurityException e) {
      throw new ShareUnsealException("share " + context.index() + " for key server " + context.keyServerId()
          + " does not open under the context presented (moved to another policy, object or slot, or"
          + " sealed to another key)", e);
    }
    try {
      if (value.length != DataKey.LENGTH) {
        throw new ShareUnsealException("share " + context.index() + " opened to " + value.length
            + " bytes, not " + DataKey.LENGTH, null);
      }
      return new Share(context.index(), value);
    } finally {
      Arrays.fill(value, (byte) 0);
    }
  }

  /**
   * Rebuilds the data key from shares and checks it against the header's commitment. Shares must
   * be at least the threshold in number; if there are more, they must all agree.
   */
  public static DataKey recoverKey(EnvelopeHeader header, Collection<Share> shares)
      throws InsufficientSharesException, InconsistentSharesException, CommitmentMismatchException {
    DataKey key = Shamir.combine(shares, header.threshold(), header.shareCount());
    try {
      DekCommitment.check(key, header.objectId(), header.dekCommitment());
    } catch (CommitmentMismatchException e) {
      key.destroy();
      throw e;
    }
    return key;
  }

  // ---------------------------------------------------------------- opening

  /**
   * Opens the body that follows {@code header} in {@code body} (positioned at the first body
   * byte, as {@link EnvelopeHeader#read} leaves it). The commitment and the first segment are
   * checked before this returns.
   */
  public static InputStream openStream(EnvelopeHeader header, DataKey key, InputStream body)
      throws CommitmentMismatchException, IOException {
    DekCommitment.check(key, header.objectId(), header.dekCommitment());
    return PlaintextStream.open(header, key, body);
  }

  /**
   * Opens a whole envelope (header at position 0) for random access. Before this returns it checks
   * that the channel's header is {@code header}, that the body has exactly the declared length,
   * the commitment, and that the first and the last segment authenticate.
   */
  public static SeekableByteChannel openChannel(EnvelopeHeader header, DataKey key, SeekableByteChannel envelope)
      throws CommitmentMismatchException, FormatException, IOException {
    DekCommitment.check(key, header.objectId(), header.dekCommitment());
    byte[] onDisk = new byte[header.encodedLength()];
    ByteBuffer buf = ByteBuffer.wrap(onDisk);
    envelope.position(0);
    while (buf.hasRemaining()) {
      if (envelope.read(buf) < 0) {
        throw new FormatException("envelope is shorter than its header");
      }
    }
    if (!MessageDigest.isEqual(onDisk, header.encoded())) {
      throw new FormatException("the envelope's header is not the header given");
    }
    return PlaintextChannel.open(header, key, envelope);
  }
}
