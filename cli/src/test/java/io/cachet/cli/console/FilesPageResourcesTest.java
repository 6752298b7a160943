package io.cachet.cli.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The page the console serves is the page in the sources, byte for byte: the build's resource
 * filtering would otherwise replace a script's {@code ${file.name}} template literal with a Maven
 * property's value.
 */
class FilesPageResourcesTest {
  private static final Path SOURCES = Path.of("src/main/resources/console");

  @Test
  void servedPage_isTheSourcesByteForByte() throws Exception {
    List<Path> files;
    try (Stream<Path> s = Files.list(SOURCES)) {
      files = s.filter(Files::isRegularFile).toList();
    }
    assertThat(files).extracting(p -> p.getFileName().toString()).contains("files.js", "console.css");
    for (Path source : files) {
      try (InputStream served = getClass().getResourceAsStream("/console/" + source.getFileName())) {
        assertThat(served).as("console/%s on the classpath", source.getFileName()).isNotNull();
        assertThat(new String(served.readAllBytes(), StandardCharsets.UTF_8)).as("console/%s as served",
            source.getFileName()).isEqualTo(Files.readString(source, StandardCharsets.UTF_8));
      }
    }
  }
}
