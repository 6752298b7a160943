package io.cachet.cli.agent;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one framing of the agent's socket, in both directions.
 *
 * <pre>
 *   stream  := version-byte frame*          (the client's first byte; the agent answers frames only)
 *   frame   := u8:type u32:length u8[length]:payload        big-endian
 * </pre>
 *
 * A client sends one request frame (a {@link #RUN} or a control frame) and reads {@link #OUT} and
 * {@link #ERR} frames until one {@link #EXIT} frame, whose payload is the exit code as a u32.
 * A length is checked against {@link #MAX_PAYLOAD} before anything is allocated for it.
 *
 * <p>Why not {@code common}'s {@code RecordLog} framing: that is a file format, with a file
 * header, CRCs against torn writes and recovery rules; a local stream socket neither tears nor
 * flips bits, and its peer is gone when it breaks. Only the length cap carries over.
 *
 * <p>This class loads nothing beyond {@code java.io}: the launcher uses it before deciding
 * whether to start the whole command.
 */
public final class AgentFrames {
  /**
   * The protocol version, the client's first byte; an agent of another version refuses it by name.
   * Version 2 put the caller's {@link BuildId} first in a {@link #RUN} request.
   */
  public static final int VERSION = 2;
  /** The largest payload of one frame: a request's arguments and environment, or one chunk of output. */
  public static final int MAX_PAYLOAD = 1 << 20;
  /** Output is sent in chunks of at most this many bytes, so a large answer streams. */
  public static final int CHUNK = 64 * 1024;

  /**
   * Client: run a command (payload: {@link #encodeStrings} of the caller's build id, directory,
   * argument count, arguments and {@code K=V} environment).
   */
  public static final int RUN = 1;
  /**
   * Client: hold an identity (payload: {@link #encodeStrings} of its name and a time-to-live in
   * seconds, 0 for the agent's own), followed at once by one {@link #SECRET} frame.
   */
  public static final int ADD = 2;
  /** Client: forget every identity now. */
  public static final int LOCK = 3;
  /** Client: stop the agent. */
  public static final int STOP = 4;
  /** Client: what the agent holds (answered as OUT lines: name, address, expiry epoch second). */
  public static final int STATUS = 5;
  /** Client: the passphrase that follows an {@link #ADD}, as UTF-8; never turned into a String. */
  public static final int SECRET = 6;
  /** Agent: bytes for the caller's stdout. */
  public static final int OUT = 16;
  /** Agent: bytes for the caller's stderr. */
  public static final int ERR = 17;
  /** Agent: the exit code; the last frame. */
  public static final int EXIT = 18;
  /** Agent: refused a run from another build (payload: the agent's build id); the only frame. */
  public static final int OTHER_BUILD = 19;

  /** One frame as read. */
  public record Frame(int type, byte[] payload) {}

  private AgentFrames() {}

  /** Writes one frame; the caller flushes. */
  public static void write(OutputStream out, int type, byte[] payload, int offset, int length) throws IOException {
    if (length > MAX_PAYLOAD) {
      throw new IOException("an agent frame of " + length + " bytes is over the limit of " + MAX_PAYLOAD);
    }
    byte[] head = ByteBuffer.allocate(5).put((byte) type).putInt(length).array();
    out.write(head);
    out.write(payload, offset, length);
  }

  public static void write(OutputStream out, int type, byte[] payload) throws IOException {
    write(out, type, payload, 0, payload.length);
  }

  /** Reads one frame; null at a clean end of stream before a frame starts. */
  public static Frame read(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    int type = data.read();
    if (type < 0) {
      return null;
    }
    int length;
    try {
      length = data.readInt();
    } catch (EOFException e) {
      throw new IOException("the agent's stream ended inside a frame header", e);
    }
    if (length < 0 || length > MAX_PAYLOAD) {
      throw new IOException("an agent frame claims " + Integer.toUnsignedString(length) + " bytes, over the limit of "
          + MAX_PAYLOAD);
    }
    byte[] payload = new byte[length];
    try {
      data.readFully(payload);
    } catch (EOFException e) {
      throw new IOException("the agent's stream ended inside a frame", e);
    }
    return new Frame(type, payload);
  }

  /** A list of strings as {@code u32:count (u32:length utf8)*}. */
  public static byte[] encodeStrings(List<String> strings) {
    List<byte[]> parts = new ArrayList<>(strings.size());
    int size = 4;
    for (String s : strings) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      parts.add(b);
      size += 4 + b.length;
    }
    ByteBuffer buf = ByteBuffer.allocate(size).putInt(parts.size());
    for (byte[] b : parts) {
      buf.putInt(b.length).put(b);
    }
    return buf.array();
  }

  /** The inverse of {@link #encodeStrings}; a malformed payload is an {@link IOException}. */
  public static List<String> decodeStrings(byte[] payload) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(payload);
    try {
      int count = buf.getInt();
      if (count < 0 || count > payload.length / 4) {
        throw new IOException("an agent request claims " + count + " strings in " + payload.length + " bytes");
      }
      List<String> out = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        int length = buf.getInt();
        if (length < 0 || length > buf.remaining()) {
          throw new IOException("an agent request's string runs past its frame");
        }
        out.add(new String(payload, buf.position(), length, StandardCharsets.UTF_8));
        buf.position(buf.position() + length);
      }
      if (buf.hasRemaining()) {
        throw new IOException("an agent request has bytes after its last string");
      }
      return out;
    } catch (BufferUnderflowException e) {
      throw new IOException("an agent request ends early", e);
    }
  }

  /** An exit code as a payload. */
  public static byte[] exitPayload(int code) {
    return ByteBuffer.allocate(4).putInt(code).array();
  }

  public static int exitCode(byte[] payload) throws IOException {
    if (payload.length != 4) {
      throw new IOException("an agent exit frame has " + payload.length + " bytes, not 4");
    }
    return ByteBuffer.wrap(payload).getInt();
  }

  /** Zeroes a payload that carried a secret. */
  public static void zero(byte[] payload) {
    Arrays.fill(payload, (byte) 0);
  }
}
