package io.cachet.cli;

import io.cachet.client.GrantWindowException;
import io.cachet.client.LedgerRefusedException;
import io.cachet.client.UnknownPolicyException;
import io.cachet.crypto.BodyIntegrityException;
import io.cachet.crypto.CachetSecurityException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Every exit code the {@code cachet} command returns, and the one place exceptions become exit
 * codes. Scripts may rely on these numbers; docs/CLI.md lists them.
 */
public final class ExitCodes {
  /** The command did what was asked. */
  public static final int OK = 0;
  /** The command ran but the outcome was not the one asked for (e.g. a demo expectation failed). */
  public static final int FAILED = 1;
  /** Bad command line: unknown option, missing argument (picocli's own code). */
  public static final int USAGE = 2;
  /** Refused on security grounds: access denied, tampered or forged data, wrong passphrase. */
  public static final int REFUSED = 3;
  /** A file or network resource could not be read or written. */
  public static final int IO = 4;
  /** A bug in Cachet: please report it with the output. */
  public static final int INTERNAL = 70;

  private ExitCodes() {}

  public static int of(Throwable e) {
    if (namesAnUnknownPolicy(e) || e instanceof GrantWindowException) {
      return USAGE;
    }
    if (e instanceof CachetSecurityException || e instanceof BodyIntegrityException) {
      return REFUSED;
    }
    if (e instanceof IOException || e instanceof UncheckedIOException) {
      return IO;
    }
    if (e instanceof UsageException || e instanceof io.cachet.cli.devnet.DevnetException) {
      return USAGE;
    }
    if (e instanceof DemoExpectationFailed) {
      return FAILED;
    }
    return INTERNAL;
  }

  /**
   * A policy id the ledger does not have, as the person typed it (a put, a lookup): a usage error.
   * A key server's UNKNOWN_POLICY denial at a get is not: that is a refusal.
   */
  private static boolean namesAnUnknownPolicy(Throwable e) {
    return e instanceof UnknownPolicyException
        || e instanceof LedgerRefusedException r && UnknownPolicyException.REASON.equals(r.reason());
  }

  /** The constant's name of an exit code, for the {@code --json} error document. */
  public static String name(int code) {
    return switch (code) {
      case OK -> "OK";
      case FAILED -> "FAILED";
      case USAGE -> "USAGE";
      case REFUSED -> "REFUSED";
      case IO -> "IO";
      default -> "INTERNAL";
    };
  }
}
