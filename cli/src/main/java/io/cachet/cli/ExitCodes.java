package io.cachet.cli;

import io.cachet.client.GrantWindowException;
import io.cachet.client.LedgerRefusedException;
import io.cachet.cli.devnet.DevnetException;
import io.cachet.cli.devnet.PartDidNotStartException;
import io.cachet.client.UnknownPolicyException;
import io.cachet.common.config.ConfigException;
import io.cachet.common.config.PortInUseException;
import io.cachet.crypto.BodyIntegrityException;
import io.cachet.crypto.CachetSecurityException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every exit code the {@code cachet} command returns, and the one place exceptions become exit
 * codes. Scripts may rely on these numbers; docs/CLI.md lists them, README.md's table gives each
 * its {@link #meaning} word for word, and {@code cachet --help} prints that list.
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

  /** The stable reason of a configuration a part refuses to start with (exit {@link #USAGE}). */
  public static final String BAD_CONFIG = "BAD_CONFIG";
  /** The stable reason of a configured port another process holds (exit {@link #IO}: busy, not mistyped). */
  public static final String PORT_IN_USE = "PORT_IN_USE";

  private ExitCodes() {}

  public static int of(Throwable e) {
    if (e instanceof PortInUseException) {
      return IO;
    }
    if (e instanceof ConfigException) {
      return USAGE;
    }
    if (namesAnUnknownPolicy(e) || e instanceof GrantWindowException) {
      return USAGE;
    }
    if (e instanceof CachetSecurityException || e instanceof BodyIntegrityException) {
      return REFUSED;
    }
    if (e instanceof IOException || e instanceof UncheckedIOException) {
      return IO;
    }
    if (e instanceof DevnetException d
        && PartDidNotStartException.REASON.equals(d.reason())) {
      return IO;
    }
    if (e instanceof UsageException || e instanceof DevnetException) {
      return USAGE;
    }
    if (e instanceof DemoExpectationFailed || e instanceof OutcomeException) {
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

  /** What an exit code means, in a few words: README.md's table and {@code cachet --help} say this. */
  public static String meaning(int code) {
    return switch (code) {
      case OK -> "done";
      case FAILED -> "ran, but the outcome was not the one asked for";
      case USAGE -> "bad command line, or a policy the ledger does not have, or a grant that already ended";
      case REFUSED -> "refused: access denied, tampered or forged data, wrong passphrase, a share token from another"
          + " network";
      case IO -> "a file or network resource could not be read or written";
      default -> "a bug in Cachet";
    };
  }

  /** Every exit code, lowest first, with its {@link #meaning}: the list {@code cachet --help} ends with. */
  public static Map<String, String> meanings() {
    Map<String, String> all = new LinkedHashMap<>();
    for (int code : new int[] {OK, FAILED, USAGE, REFUSED, IO, INTERNAL}) {
      all.put(Integer.toString(code), meaning(code));
    }
    return all;
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
