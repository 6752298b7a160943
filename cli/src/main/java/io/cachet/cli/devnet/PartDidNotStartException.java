package io.cachet.cli.devnet;

import java.io.IOException;

/**
 * A part of a devnet of processes was launched but exited, or printed no {@code serving} line in
 * time; it has been killed. The control endpoint answers it 503 {@value #REASON}, and the CLI
 * exits 4 (a resource that could not be reached), not 2: nothing was wrong with the command line.
 */
public final class PartDidNotStartException extends IOException {
  /** The stable reason code of the control endpoint's answer and of {@code --json}. */
  public static final String REASON = "PART_DID_NOT_START";

  PartDidNotStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
