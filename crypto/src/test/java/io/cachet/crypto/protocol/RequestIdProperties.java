package io.cachet.crypto.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The hand-written request-id check accepts exactly 32 lower-case hex digits, as FORMAT.md says. */
class RequestIdProperties {
  private static final Pattern DOCUMENTED = Pattern.compile("[0-9a-f]{32}");

  @Property(tries = 2000)
  void acceptsExactlyTheDocumentedIds(@ForAll("nearIds") String id) {
    boolean accepted;
    try {
      FetchKeyRequest.checkRequestId(id);
      accepted = true;
    } catch (IllegalArgumentException e) {
      accepted = false;
    }
    assertThat(accepted).as("'%s'", id).isEqualTo(DOCUMENTED.matcher(id).matches());
  }

  /** 30..34 characters, mostly hex, with the neighbours of the ranges' ends and upper case. */
  @Provide
  Arbitrary<String> nearIds() {
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars("0123456789abcdef").ofMinLength(30).ofMaxLength(34),
        Arbitraries.strings().withChars("09afAFg/:`").ofMinLength(31).ofMaxLength(33),
        Arbitraries.strings().withChars("0123456789abcdef").ofLength(31).map(s -> s + "G"));
  }
}
