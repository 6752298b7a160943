package io.cachet.cli.console;

import io.cachet.cli.contact.ContactStore;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * The console's contacts: {@code contact list}, {@code contact add NAME ADDRESS} and
 * {@code contact remove NAME}, run as the terminal runs them, with their reasons
 * ({@code BAD_NAME}, {@code BAD_ADDRESS}, {@code NAME_OF_IDENTITY}, {@code NO_SUCH_CONTACT}).
 */
final class ContactsRoutes {
  private ContactsRoutes() {}

  static void mount(Router router, ConsoleContext c) {
    router.get("/api/contacts").handler(ctx -> c.answer(ctx, List.of("contact", "list")));
    router.post("/api/contacts").handler(c.jsonBody()).handler(ctx -> add(c, ctx));
    router.delete("/api/contacts/:name").handler(ctx -> remove(c, ctx));
  }

  private static void add(ConsoleContext c, RoutingContext ctx) {
    JsonObject body = RouteInputs.bodyOrRefuse(ctx);
    if (body == null) {
      return;
    }
    String name = body.getValue("name") instanceof String s ? s.strip() : null;
    String address = body.getValue("address") instanceof String s ? s.strip() : null;
    if (RouteInputs.argument(ctx, name, ContactStore.BAD_NAME, "a contact name")
        && RouteInputs.argument(ctx, address, ContactStore.BAD_ADDRESS, "an address (0x...)")) {
      c.answer(ctx, List.of("contact", "add", name, address));
    }
  }

  private static void remove(ConsoleContext c, RoutingContext ctx) {
    String name = ctx.pathParam("name");
    if (RouteInputs.argument(ctx, name, ContactStore.BAD_NAME, "a contact name")) {
      c.answer(ctx, List.of("contact", "remove", name));
    }
  }
}
