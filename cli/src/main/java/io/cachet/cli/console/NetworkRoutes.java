package io.cachet.cli.console;

import io.vertx.ext.web.Router;

/** The console's network routes (see docs/CONSOLE.md). */
final class NetworkRoutes {
  private NetworkRoutes() {}

  static void mount(Router router, ConsoleContext c) {
  }
}
