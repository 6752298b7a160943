package io.cachet.cli.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page the console serves is its source as written: the build copies it unchanged (Maven's
 * resource filtering would replace a script's {@code ${id}} or {@code ${name}} with the project's).
 */
class ConsoleStaticFilesTest {
  @TempDir Path home;

  @Test
  void everyPageFile_isServedByteForByteAsWritten() throws Exception {
    Path sources = Path.of(System.getProperty("basedir", ".")).resolve("src/main/resources/console");
    List<Path> files;
    try (Stream<Path> s = Files.list(sources)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    }
    assertThat(files).extracting(p -> p.getFileName().toString()).contains("index.html", "app.js", "api.js");
    try (ConsoleServer server = ConsoleServer.start(new ConsoleServer.Options(home, null, 0, Map.of()))) {
      ConsoleHttp session = ConsoleHttp.open(server);
      for (Path f : files) {
        ConsoleHttp.Answer a = session.get("/" + f.getFileName());
        assertThat(a.status()).as(f.getFileName().toString()).isEqualTo(200);
        assertThat(a.text()).as("%s as served", f.getFileName()).isEqualTo(Files.readString(f));
      }
    }
  }
}
