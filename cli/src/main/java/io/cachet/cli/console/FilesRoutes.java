package io.cachet.cli.console;

import io.vertx.ext.web.Router;

/** The console's files routes (see docs/CONSOLE.md). */
final class FilesRoutes {
  private FilesRoutes() {}

  static void mount(Router router, ConsoleContext c) {
  }
}
