package io.cachet.storage.quilt;

/** Bytes that claim to be a quilt but break its layout (see {@link QuiltIndex}); the message says where. */
public class QuiltFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public QuiltFormatException(String message) {
    super(message);
  }
}
