package io.cachet.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvelopeSmokeTest {
  @TempDir Path dir;

  @Test
  void sealThenOpen_streamAndChannel_giveBackThePlaintext() throws Exception {
    TestKeys keys = new TestKeys(3);
    byte[] plain = new byte[3 * BodyLayout.SEGMENT_SIZE + 17];
    TestKeys.RANDOM.nextBytes(plain);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EnvelopeHeader header = Envelope.seal(keys.params(PolicyId.random(TestKeys.RANDOM), 2),
        new ByteArrayInputStream(plain), plain.length, out, TestKeys.RANDOM);
    byte[] env = out.toByteArray();
    assertThat((long) env.length).isEqualTo(header.envelopeLength());

    InputStream in = new ByteArrayInputStream(env);
    EnvelopeHeader read = EnvelopeHeader.read(in);
    assertThat(read).isEqualTo(header);
    DataKey key = Envelope.recoverKey(read, List.of(keys.unseal(read, 3), keys.unseal(read, 1)));
    try (InputStream p = Envelope.openStream(read, key, in)) {
      assertThat(p.readAllBytes()).isEqualTo(plain);
    }

    Path f = dir.resolve("env");
    Files.write(f, env);
    try (SeekableByteChannel ch = Envelope.openChannel(read, key,
        Files.newByteChannel(f, StandardOpenOption.READ))) {
      assertThat(ch.size()).isEqualTo(plain.length);
      ch.position(BodyLayout.SEGMENT_SIZE - 5);
      ByteBuffer b = ByteBuffer.allocate(100);
      while (b.hasRemaining() && ch.read(b) > 0) { }
      assertThat(b.array()).isEqualTo(java.util.Arrays.copyOfRange(plain, BodyLayout.SEGMENT_SIZE - 5,
          BodyLayout.SEGMENT_SIZE + 95));
    }
    assertThatThrownBy(() -> Envelope.recoverKey(read, List.of(keys.unseal(read, 2))))
        .isInstanceOf(InsufficientSharesException.class);
  }
}
