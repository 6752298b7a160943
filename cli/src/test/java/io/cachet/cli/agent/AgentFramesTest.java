package io.cachet.cli.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentFramesTest {
  @Test
  void frames_roundTrip() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AgentFrames.write(out, AgentFrames.OUT, new byte[] {1, 2, 3});
    AgentFrames.write(out, AgentFrames.EXIT, AgentFrames.exitPayload(70));
    ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
    assertThat(AgentFrames.read(in).payload()).containsExactly(1, 2, 3);
    assertThat(AgentFrames.exitCode(AgentFrames.read(in).payload())).isEqualTo(70);
    assertThat(AgentFrames.read(in)).isNull();
  }

  @Test
  void read_ofALengthOverTheCap_throwsBeforeAllocating() {
    byte[] head = ByteBuffer.allocate(5).put((byte) AgentFrames.OUT).putInt(Integer.MAX_VALUE).array();
    assertThatThrownBy(() -> AgentFrames.read(new ByteArrayInputStream(head)))
        .isInstanceOf(IOException.class).hasMessageContaining("over the limit");
  }

  @Test
  void read_ofATruncatedFrame_throws() {
    byte[] head = ByteBuffer.allocate(7).put((byte) AgentFrames.OUT).putInt(10).put((byte) 1).put((byte) 2).array();
    assertThatThrownBy(() -> AgentFrames.read(new ByteArrayInputStream(head)))
        .isInstanceOf(IOException.class).hasMessageContaining("ended inside a frame");
  }

  @Test
  void strings_roundTrip_andAMalformedListIsRefused() throws Exception {
    List<String> s = List.of("", "get", "ünïcode", "K=V=W");
    assertThat(AgentFrames.decodeStrings(AgentFrames.encodeStrings(s))).isEqualTo(s);
    byte[] lying = ByteBuffer.allocate(8).putInt(1).putInt(1000).array();
    assertThatThrownBy(() -> AgentFrames.decodeStrings(lying)).isInstanceOf(IOException.class);
    byte[] tooMany = ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array();
    assertThatThrownBy(() -> AgentFrames.decodeStrings(tooMany)).isInstanceOf(IOException.class);
  }

  @Test
  void write_ofAFrameOverTheCap_throws() {
    assertThatThrownBy(() -> AgentFrames.write(new ByteArrayOutputStream(), AgentFrames.OUT,
        new byte[AgentFrames.MAX_PAYLOAD + 1])).isInstanceOf(IOException.class);
  }
}
