package io.cachet.storage.quilt;

/**
 * A blob that does not begin with the quilt magic: an ordinary blob read as a quilt. Kept apart
 * from a malformed quilt so a reader can say "that blob is not a quilt" rather than "corrupt".
 */
public final class NotAQuiltException extends QuiltFormatException {
  private static final long serialVersionUID = 1L;

  public NotAQuiltException(String message) {
    super(message);
  }
}
