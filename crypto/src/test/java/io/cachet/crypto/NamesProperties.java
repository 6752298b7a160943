package io.cachet.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The hand-written check of {@link Names} accepts exactly what the documented pattern does. */
class NamesProperties {
  private static final Pattern DOCUMENTED = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  @Property(tries = 2000)
  void acceptsExactlyTheDocumentedNames(@ForAll("nearNames") String name) {
    boolean accepted;
    try {
      Names.check(name, "name");
      accepted = true;
    } catch (IllegalArgumentException e) {
      accepted = false;
    }
    assertThat(accepted).as("'%s'", name).isEqualTo(DOCUMENTED.matcher(name).matches());
  }

  @Property(tries = 50)
  void refusesNull() {
    boolean refused = false;
    try {
      Names.check(null, "name");
    } catch (IllegalArgumentException e) {
      refused = true;
    }
    assertThat(refused).isTrue();
  }

  /** Strings of 0..70 characters, mostly allowed ones, with the neighbours of every range's ends. */
  @Provide
  Arbitrary<String> nearNames() {
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars("azAZ09._:-/@[`{ \u00e9\u0000").ofMinLength(0).ofMaxLength(70),
        Arbitraries.strings().withCharRange('a', 'z').withChars("._:-").ofMinLength(60).ofMaxLength(66),
        Arbitraries.strings().all().ofMinLength(0).ofMaxLength(8));
  }
}
