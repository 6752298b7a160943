package io.cachet.storage.walrus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.storage.BlobSource;
import io.cachet.storage.QuiltFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.constraints.UniqueElements;
import org.junit.jupiter.api.Test;

/** The multipart body of PUT /v1/quilts: exact framing, streaming, and sources that lie. */
class QuiltFormTest {

  private static byte[] body(QuiltForm form) throws IOException {
    try (InputStream in = form.open()) {
      return in.readAllBytes();
    }
  }

  private static String boundary(QuiltForm form) {
    String ct = form.contentType();
    assertThat(ct).startsWith("multipart/form-data; boundary=cachet-quilt-");
    return ct.substring(ct.indexOf('=') + 1);
  }

  @Test
  void form_twoFilesWithTags_isExactlyTheRfc7578FramingWithMetadataFirst() throws Exception {
    QuiltForm form = new QuiltForm(List.of(
        new QuiltFile("a.txt", Map.of("type", "note"), BlobSource.ofBytes("hello".getBytes(StandardCharsets.UTF_8))),
        QuiltFile.of("dir/b c.bin", BlobSource.ofBytes(new byte[] {0, 1, 2}))));
    String b = boundary(form);

    String expected = "--" + b + "\r\n"
        + "Content-Disposition: form-data; name=\"_metadata\"\r\n"
        + "Content-Type: application/json\r\n\r\n"
        + "[{\"identifier\":\"a.txt\",\"tags\":{\"type\":\"note\"}}]\r\n"
        + "--" + b + "\r\n"
        + "Content-Disposition: form-data; name=\"a.txt\"; filename=\"a.txt\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n"
        + "hello\r\n"
        + "--" + b + "\r\n"
        + "Content-Disposition: form-data; name=\"dir/b c.bin\"; filename=\"dir/b c.bin\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n"
        + "\u0000\u0001\u0002\r\n"
        + "--" + b + "--\r\n";
    byte[] got = body(form);
    assertThat(new String(got, StandardCharsets.ISO_8859_1)).isEqualTo(expected);
    assertThat(form.length()).isEqualTo(got.length);
    assertThat(form.repeatable()).isTrue();
    assertThat(body(form)).as("a second attempt sends the same bytes").isEqualTo(got);
  }

  @Test
  void form_noTags_hasNoMetadataField_andTwoFormsHaveDifferentBoundaries() throws Exception {
    List<QuiltFile> files = List.of(QuiltFile.of("x", BlobSource.ofBytes(new byte[10])));
    QuiltForm one = new QuiltForm(files);
    QuiltForm two = new QuiltForm(files);
    assertThat(new String(body(one), StandardCharsets.UTF_8)).doesNotContain("_metadata");
    assertThat(boundary(one)).isNotEqualTo(boundary(two)).hasSize("cachet-quilt-".length() + 32);
  }

  @Test
  void form_nonAsciiIdentifier_isSentAsUtf8() throws Exception {
    QuiltForm form = new QuiltForm(List.of(QuiltFile.of("résumé; v2.txt", BlobSource.ofBytes(new byte[1]))));
    String text = new String(body(form), StandardCharsets.UTF_8);
    assertThat(text).contains("name=\"résumé; v2.txt\"; filename=\"résumé; v2.txt\"");
    assertThat(form.length()).isEqualTo(body(form).length);
  }

  @Test
  void form_aOneShotOrUnsizedSource_makesTheBodyOneShotAndUnsized() {
    QuiltForm form = new QuiltForm(List.of(
        QuiltFile.of("a", BlobSource.ofBytes(new byte[3])),
        QuiltFile.of("b", BlobSource.ofStream(new ByteArrayInputStream(new byte[3]), -1))));
    assertThat(form.length()).isEqualTo(-1);
    assertThat(form.repeatable()).isFalse();
  }

  @Test
  void form_opensEachFileOnlyWhenReached_andClosesItWhenDone() throws Exception {
    List<String> events = new ArrayList<>();
    QuiltForm form = new QuiltForm(List.of(recording("a", 300_000, events), recording("b", 5, events)));
    try (InputStream in = form.open()) {
      assertThat(events).isEmpty();
      in.readNBytes(1000);
      assertThat(events).containsExactly("open a");
      in.readAllBytes();
    }
    assertThat(events).containsExactly("open a", "close a", "open b", "close b");
  }

  @Test
  void form_aSourceShorterThanDeclared_failsNamingTheFile() {
    QuiltForm form = new QuiltForm(List.of(QuiltFile.of("short.bin", lying(10, 7))));
    assertThatThrownBy(() -> body(form)).isInstanceOf(IOException.class)
        .hasMessageContaining("\"short.bin\" ended after 7 of its declared 10 bytes");
  }

  @Test
  void form_aSourceLongerThanDeclared_failsNamingTheFile() {
    QuiltForm form = new QuiltForm(List.of(QuiltFile.of("long.bin", lying(10, 11))));
    assertThatThrownBy(() -> body(form)).isInstanceOf(IOException.class)
        .hasMessageContaining("\"long.bin\" delivered more than its declared 10 bytes");
  }

  /** Whatever the files, the body splits back at the boundary into exactly the parts sent, in order. */
  @Property(tries = 200)
  void form_splitsBackIntoItsParts(@ForAll @Size(min = 1, max = 6) @UniqueElements
      List<@StringLength(min = 1, max = 12) @net.jqwik.api.constraints.AlphaChars String> names,
      @ForAll byte[] seed) throws Exception {
    List<QuiltFile> files = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      byte[] data = new byte[(seed.length * (i + 1)) % 97];
      for (int j = 0; j < data.length; j++) {
        data[j] = seed.length == 0 ? (byte) j : seed[j % seed.length];
      }
      files.add(QuiltFile.of(names.get(i), BlobSource.ofBytes(data)));
    }
    QuiltForm form = new QuiltForm(files);
    String all = new String(body(form), StandardCharsets.ISO_8859_1);
    assertThat(form.length()).isEqualTo(all.length());
    String delimiter = "--" + boundary(form);
    assertThat(all).endsWith(delimiter + "--\r\n");
    String[] parts = all.substring(0, all.length() - (delimiter + "--\r\n").length()).split(delimiter + "\r\n", -1);
    assertThat(parts[0]).isEmpty();
    assertThat(parts).hasSize(files.size() + 1);
    for (int i = 0; i < files.size(); i++) {
      String part = parts[i + 1];
      String head = "Content-Disposition: form-data; name=\"" + names.get(i) + "\"; filename=\"" + names.get(i)
          + "\"\r\nContent-Type: application/octet-stream\r\n\r\n";
      assertThat(part).startsWith(head).endsWith("\r\n");
      byte[] data = part.substring(head.length(), part.length() - 2).getBytes(StandardCharsets.ISO_8859_1);
      try (InputStream in = files.get(i).source().open()) {
        assertThat(data).isEqualTo(in.readAllBytes());
      }
    }
  }

  private static QuiltFile recording(String name, int length, List<String> events) {
    return QuiltFile.of(name, new BlobSource() {
      public InputStream open() {
        events.add("open " + name);
        return new ByteArrayInputStream(new byte[length]) {
          @Override
          public void close() {
            events.add("close " + name);
          }
        };
      }

      public long length() {
        return length;
      }

      public boolean repeatable() {
        return true;
      }
    });
  }

  private static BlobSource lying(long declared, int actual) {
    return new BlobSource() {
      public InputStream open() {
        return new ByteArrayInputStream(new byte[actual]);
      }

      public long length() {
        return declared;
      }

      public boolean repeatable() {
        return true;
      }
    };
  }
}
