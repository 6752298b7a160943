package io.cachet.cli.viewer;

import io.cachet.common.browser.HeadlessChromium;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One devnet and one browser on its viewer page for every viewer class in a test JVM: started by the
 * first class that asks ({@code @ExtendWith(SharedViewer.class)}), kept in the root store, and
 * stopped when the run ends. A devnet costs about ten seconds of both cores to start, and the
 * classes only add to it (each makes its own policies and files, so they do not see each other's);
 * they run in the sequence, one class at a time, so the page is never driven by two at once.
 *
 * <p>A class that changes the devnet puts it back before it ends (ViewerAvailabilityTest starts the
 * key servers it stopped and waits until they serve). A class that changes the browser session
 * starts a browser of its own on the shared devnet ({@link #startPage}): ViewerTamperingTest lifts
 * the page's Content-Security-Policy, and ViewerScaleTest measures its renderer's memory.
 */
final class SharedViewer implements BeforeAllCallback {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedViewer.class);

  private static volatile Shared shared;

  @Override
  public void beforeAll(ExtensionContext context) {
    HeadlessChromium.assumeAvailable();
    shared = context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Shared.class, k -> Shared.start(),
        Shared.class);
  }

  /** The shared devnet, once the extension ran. */
  static ViewerDevnet devnet() {
    return shared().devnet;
  }

  /** The shared browser, on the shared devnet's viewer page. */
  static ViewerPage page() {
    return shared().page;
  }

  /** A browser of the class's own, its profile under {@code dir}, on the shared devnet's viewer page. */
  static ViewerPage startPage(Path dir) throws IOException {
    return ViewerPage.start(dir, devnet().viewer());
  }

  private static Shared shared() {
    Shared s = shared;
    if (s == null) {
      throw new IllegalStateException("the class is not marked @ExtendWith(SharedViewer.class)");
    }
    return s;
  }

  /** The devnet, the browser and the directory they live in; closed by JUnit at the end of the run. */
  private static final class Shared implements AutoCloseable {
    final Path dir;
    final ViewerDevnet devnet;
    final ViewerPage page;

    private Shared(Path dir, ViewerDevnet devnet, ViewerPage page) {
      this.dir = dir;
      this.devnet = devnet;
      this.page = page;
    }

    static Shared start() {
      Path dir = null;
      ViewerDevnet devnet = null;
      try {
        dir = Files.createTempDirectory("cachet-viewer-");
        devnet = ViewerDevnet.start(dir);
        return new Shared(dir, devnet, ViewerPage.start(dir.resolve("browser"), devnet.viewer()));
      } catch (IOException e) {
        undo(dir, devnet, e);
        throw new UncheckedIOException(e);
      } catch (RuntimeException | AssertionError e) {
        undo(dir, devnet, e);
        throw e;
      }
    }

    /** After a start that failed: stops what it started, adding what fails there to {@code failure}. */
    private static void undo(Path dir, ViewerDevnet devnet, Throwable failure) {
      try {
        if (devnet != null) {
          devnet.close();
        }
        delete(dir);
      } catch (IOException | RuntimeException | AssertionError e) {
        failure.addSuppressed(e);
      }
    }

    @Override
    public void close() throws IOException {
      try {
        try {
          page.close();
        } finally {
          devnet.close();
        }
      } finally {
        delete(dir);
      }
    }

    private static void delete(Path dir) throws IOException {
      if (dir == null || !Files.exists(dir)) {
        return;
      }
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
