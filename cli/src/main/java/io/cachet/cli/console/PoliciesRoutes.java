package io.cachet.cli.console;

import io.cachet.cli.ExitCodes;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * The console's policies routes: each runs the {@code cachet policy} command a person would type,
 * as the acting identity, and answers with its {@code --json} document or its error.
 *
 * <pre>
 * GET    /api/policies?as=NAME                   policy list --as NAME
 * POST   /api/policies {kind, unlockAt, as}      policy create | policy timelock --at T
 * GET    /api/policies/{id}                      policy show ID
 * GET    /api/policies/{id}/check?who=WHO        policy check ID WHO (200 whether allowed or not)
 * POST   /api/policies/{id}/members {who, from, until, for, allowEnded, as}   policy grant
 * PUT    /api/policies/{id}/members/{who} {from, until, for, allowEnded, as}  policy grant (a new window)
 * DELETE /api/policies/{id}/members/{who}?as=    policy revoke
 * POST   /api/policies/{id}/admins {who, as}     policy admin add
 * DELETE /api/policies/{id}/admins/{who}?as=     policy admin remove
 * POST   /api/policies/{id}/owner {who, as}      policy transfer
 * </pre>
 *
 * <p>Every value the page sends is checked by {@link RouteInputs} against the shape it must have
 * before it reaches a command line ({@code 400 BAD_ARGUMENT}): an id or address is {@code 0x} and
 * hex, a name is an identity's or contact's, a time is an instant or epoch milliseconds, a duration
 * is a number and a unit.
 */
final class PoliciesRoutes {
  private final ConsoleContext c;

  private PoliciesRoutes(ConsoleContext c) {
    this.c = c;
  }

  static void mount(Router router, ConsoleContext c) {
    PoliciesRoutes r = new PoliciesRoutes(c);
    router.get("/api/policies").handler(r::list);
    router.post("/api/policies").handler(c.jsonBody()).handler(r::create);
    router.get("/api/policies/:id").handler(r::show);
    router.get("/api/policies/:id/check").handler(r::check);
    router.post("/api/policies/:id/members").handler(c.jsonBody()).handler(r::grant);
    router.put("/api/policies/:id/members/:who").handler(c.jsonBody()).handler(r::changeWindow);
    router.delete("/api/policies/:id/members/:who").handler(r::revoke);
    router.post("/api/policies/:id/admins").handler(c.jsonBody()).handler(r::addAdmin);
    router.delete("/api/policies/:id/admins/:who").handler(r::removeAdmin);
    router.post("/api/policies/:id/owner").handler(c.jsonBody()).handler(r::transfer);
  }

  // ---------------------------------------------------------------- reading

  private void list(RoutingContext ctx) {
    String as = c.acting(ctx, ctx.request().getParam("as"));
    if (as != null) {
      c.answer(ctx, command(List.of("policy", "list", "--as", as)));
    }
  }

  private void show(RoutingContext ctx) {
    String id = RouteInputs.hexId(ctx, ctx.pathParam("id"), "the policy id");
    if (id != null) {
      c.answer(ctx, command(List.of("policy", "show", id)));
    }
  }

  /** A denial is an answer, not a failure: exit 1 with its document is answered 200 like an allow. */
  private void check(RoutingContext ctx) {
    String id = RouteInputs.hexId(ctx, ctx.pathParam("id"), "the policy id");
    String who = id == null ? null : RouteInputs.who(ctx, ctx.request().getParam("who"));
    if (who == null) {
      return;
    }
    List<String> args = command(List.of("policy", "check", id, who));
    c.offLoop(() -> c.runs().json(args)).onComplete(r -> {
      if (r.failed()) {
        ConsoleAnswers.failed(ctx, r.cause());
        return;
      }
      ConsoleRuns.Result run = r.result();
      boolean decided = (run.exit() == ExitCodes.OK || run.exit() == ExitCodes.FAILED)
          && run.json() instanceof JsonObject doc && doc.containsKey("allowed");
      if (decided) {
        ConsoleAnswers.json(ctx, run.json());
      } else {
        ConsoleAnswers.send(ctx, run);
      }
    });
  }

  // ---------------------------------------------------------------- changes

  private void create(RoutingContext ctx) {
    JsonObject body = RouteInputs.bodyOrRefuse(ctx);
    if (body == null) {
      return;
    }
    String as = c.acting(ctx, body.getValue("as") instanceof String s ? s : null);
    if (as == null) {
      return;
    }
    String kind = String.valueOf(body.getValue("kind", "allow-list"));
    switch (kind) {
      case "allow-list" -> c.answer(ctx, command(List.of("policy", "create", "--as", as)));
      case "time-lock" -> {
        String at = RouteInputs.instant(ctx, body.getValue("unlockAt"), "unlockAt");
        if (at == null) {
          if (!ctx.response().ended()) {
            RouteInputs.badArgument(ctx, "a time lock needs unlockAt: the time it opens (ISO-8601 or epoch"
                + " milliseconds)");
          }
          return;
        }
        c.answer(ctx, command(List.of("policy", "timelock", "--at", at, "--as", as)));
      }
      default -> RouteInputs.badArgument(ctx, "kind must be 'allow-list' or 'time-lock', was '"
          + RouteInputs.shortText(kind) + "'");
    }
  }

  private void grant(RoutingContext ctx) {
    JsonObject body = RouteInputs.bodyOrRefuse(ctx);
    if (body != null) {
      window(ctx, body, body.getValue("who") instanceof String s ? s : null);
    }
  }

  /** A member's new window: the same command as a grant, which replaces a member's window. */
  private void changeWindow(RoutingContext ctx) {
    JsonObject body = RouteInputs.bodyOrRefuse(ctx);
    if (body != null) {
      window(ctx, body, ctx.pathParam("who"));
    }
  }

  /** {@code policy grant ID WHO [--from T] [--until T | --for D] [--allow-ended]} as the acting identity. */
  private void window(RoutingContext ctx, JsonObject body, String whoText) {
    String id = RouteInputs.hexId(ctx, ctx.pathParam("id"), "the policy id");
    String who = id == null ? null : RouteInputs.who(ctx, whoText);
    String as = who == null ? null : c.acting(ctx, body.getValue("as") instanceof String s ? s : null);
    if (as == null) {
      return;
    }
    List<String> args = new ArrayList<>(List.of("policy", "grant", id, who));
    for (String field : List.of("from", "until")) {
      Object v = body.getValue(field);
      if (v == null || "".equals(v)) {
        continue;
      }
      String at = RouteInputs.instant(ctx, v, field);
      if (at == null) {
        return;
      }
      args.add("--" + field);
      args.add(at);
    }
    Object duration = body.getValue("for");
    if (duration != null && !"".equals(duration)) {
      String d = RouteInputs.duration(ctx, duration, "for");
      if (d == null) {
        return;
      }
      args.add("--for");
      args.add(d);
    }
    if (Boolean.TRUE.equals(body.getValue("allowEnded"))) {
      args.add("--allow-ended");
    }
    args.addAll(List.of("--as", as));
    c.answer(ctx, command(args));
  }

  private void revoke(RoutingContext ctx) {
    byQuery(ctx, "revoke");
  }

  private void removeAdmin(RoutingContext ctx) {
    byQuery(ctx, "admin", "remove");
  }

  private void addAdmin(RoutingContext ctx) {
    byBody(ctx, "admin", "add");
  }

  private void transfer(RoutingContext ctx) {
    byBody(ctx, "transfer");
  }

  /** {@code policy VERB… ID WHO --as NAME}, WHO from the path and NAME from the query (a DELETE has no body). */
  private void byQuery(RoutingContext ctx, String... verb) {
    String id = RouteInputs.hexId(ctx, ctx.pathParam("id"), "the policy id");
    String who = id == null ? null : RouteInputs.who(ctx, ctx.pathParam("who"));
    String as = who == null ? null : c.acting(ctx, ctx.request().getParam("as"));
    if (as != null) {
      c.answer(ctx, change(verb, id, who, as));
    }
  }

  /** {@code policy VERB… ID WHO --as NAME}, WHO and NAME from the JSON body. */
  private void byBody(RoutingContext ctx, String... verb) {
    JsonObject body = RouteInputs.bodyOrRefuse(ctx);
    if (body == null) {
      return;
    }
    String id = RouteInputs.hexId(ctx, ctx.pathParam("id"), "the policy id");
    String who = id == null ? null : RouteInputs.who(ctx, body.getValue("who") instanceof String s ? s : null);
    String as = who == null ? null : c.acting(ctx, body.getValue("as") instanceof String s ? s : null);
    if (as != null) {
      c.answer(ctx, change(verb, id, who, as));
    }
  }

  private List<String> change(String[] verb, String id, String who, String as) {
    List<String> args = new ArrayList<>(List.of("policy"));
    args.addAll(List.of(verb));
    args.addAll(List.of(id, who, "--as", as));
    return command(args);
  }

  /** {@code args} with the console's {@code --network FILE}, when it was given one. */
  private List<String> command(List<String> args) {
    List<String> all = new ArrayList<>(args);
    all.addAll(c.runs().networkArgs());
    return all;
  }
}
