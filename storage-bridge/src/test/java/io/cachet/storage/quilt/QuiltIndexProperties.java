package io.cachet.storage.quilt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.storage.BlobId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class QuiltIndexProperties {

  @Provide
  Arbitrary<QuiltIndex> indexes() {
    Arbitrary<String> identifiers = Arbitraries.strings().withCharRange('a', 'z').withChars('é', '.', '-', '文')
        .ofMinLength(1).ofMaxLength(12).filter(s -> !s.equals(".") && !s.equals(".."));
    Arbitrary<Map<String, String>> tags = Arbitraries.maps(
        Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8),
        Arbitraries.strings().ofMaxLength(16).filter(s -> s.chars().noneMatch(c -> Character.isSurrogate((char) c))))
        .ofMaxSize(3);
    Arbitrary<QuiltEntry> entry = Combinators.combine(identifiers, tags, Arbitraries.longs().between(0, 1L << 40))
        .as(QuiltEntry::new);
    return entry.list().ofMinSize(1).ofMaxSize(20).uniqueElements(QuiltEntry::identifier).map(QuiltIndex::of);
  }

  @Property(tries = 300)
  void roundTripsThroughItsPrefix(@ForAll("indexes") QuiltIndex index) {
    QuiltIndex back = QuiltIndex.parse(index.prefix());
    assertThat(back.entries()).isEqualTo(index.entries());
    assertThat(QuiltIndex.prefixLength(index.prefix())).isEqualTo(index.prefixLength());
    long at = index.prefixLength();
    for (int i = 0; i < index.size(); i++) {
      assertThat(back.dataOffset(i)).isEqualTo(at);
      assertThat(back.indexOf(index.entry(i).identifier())).isEqualTo(i);
      at += index.entry(i).length();
    }
    assertThat(back.quiltLength()).isEqualTo(at);
  }

  /** A changed byte either still parses to a valid index (a changed length or letter) or is refused as a format error. */
  @Property(tries = 500)
  void anyChangedByteParsesStrictlyOrIsRefused(@ForAll("indexes") QuiltIndex index, @ForAll int where,
      @ForAll @IntRange(min = 1, max = 255) int flip) {
    byte[] prefix = index.prefix();
    int at = Math.floorMod(where, prefix.length);
    prefix[at] ^= (byte) flip;
    try {
      QuiltIndex changed = QuiltIndex.parse(prefix);
      assertThat(changed.prefix()).isEqualTo(prefix);
    } catch (QuiltFormatException refused) {
      assertThat(refused.getMessage()).isNotBlank();
    }
  }

  @Property(tries = 200)
  void patchIdsRoundTrip(@ForAll byte[] seed, @ForAll @IntRange(min = 0, max = QuiltIndex.MAX_PATCHES - 1) int index) {
    byte[] id = new byte[32];
    System.arraycopy(seed, 0, id, 0, Math.min(seed.length, 32));
    QuiltPatchId patch = QuiltPatchId.ofPatch(BlobId.of(id), index);
    assertThat(patch.toString()).hasSize(QuiltPatchId.TEXT_LENGTH);
    assertThat(QuiltPatchId.parse(patch.toString())).isEqualTo(patch);
  }

  @Property(tries = 100)
  void anythingButAPatchIdIsRefused(@ForAll String text) {
    if (text.length() == QuiltPatchId.TEXT_LENGTH) {
      return;
    }
    assertThatThrownBy(() -> QuiltPatchId.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }
}
