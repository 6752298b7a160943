package io.cachet.cli.console;

import io.vertx.ext.web.Router;

/** The console's identities routes (see docs/CONSOLE.md). */
final class IdentitiesRoutes {
  private IdentitiesRoutes() {}

  static void mount(Router router, ConsoleContext c) {
  }
}
