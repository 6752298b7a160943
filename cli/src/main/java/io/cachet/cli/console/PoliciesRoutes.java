package io.cachet.cli.console;

import io.vertx.ext.web.Router;

/** The console's policies routes (see docs/CONSOLE.md). */
final class PoliciesRoutes {
  private PoliciesRoutes() {}

  static void mount(Router router, ConsoleContext c) {
  }
}
