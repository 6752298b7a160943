package io.cachet.cli.console;

import io.cachet.cli.ExitCodes;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

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
 * <p>Every value the page sends is checked against the shape it must have before it reaches a
 * command line ({@code 400 BAD_ARGUMENT}): an id or address is {@code 0x} and hex, a name is an
 * identity's or contact's, a time is an instant or epoch milliseconds, a duration is a number and a
 * unit. So nothing from the page is read as an option ({@code -...}), an argument file
 * ({@code @FILE}) or a path on this machine.
 */
final class PoliciesRoutes {
  /** The reason code of a value from the page that does not have the shape its field needs. */
  static final String BAD_ARGUMENT = "BAD_ARGUMENT";
  /** A policy id or an address: {@code 0x} and hex digits (the command checks the length). */
  private static final Pattern HEX_ID = Pattern.compile("0x[0-9a-fA-F]{1,128}");
  /** The name of an identity or a contact. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  /** A duration as {@code policy grant --for} reads it. */
  private static final Pattern DURATION = Pattern.compile("\\+?\\d{1,9}(ms|s|m|h|d)");

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
    String id = hexId(ctx, ctx.pathParam("id"), "the policy id");
    if (id != null) {
      c.answer(ctx, command(List.of("policy", "show", id)));
    }
  }

  /** A denial is an answer, not a failure: exit 1 with its document is answered 200 like an allow. */
  private void check(RoutingContext ctx) {
    String id = hexId(ctx, ctx.pathParam("id"), "the policy id");
    String who = id == null ? null : who(ctx, ctx.request().getParam("who"));
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
    JsonObject body = body(ctx);
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
        String at = instant(ctx, body.getValue("unlockAt"), "unlockAt");
        if (at == null) {
          if (!ctx.response().ended()) {
            refuse(ctx, "a time lock needs unlockAt: the time it opens (ISO-8601 or epoch milliseconds)");
          }
          return;
        }
        c.answer(ctx, command(List.of("policy", "timelock", "--at", at, "--as", as)));
      }
      default -> refuse(ctx, "kind must be 'allow-list' or 'time-lock', was '" + shortText(kind) + "'");
    }
  }

  private void grant(RoutingContext ctx) {
    JsonObject body = body(ctx);
    if (body != null) {
      window(ctx, body, body.getValue("who") instanceof String s ? s : null);
    }
  }

  /** A member's new window: the same command as a grant, which replaces a member's window. */
  private void changeWindow(RoutingContext ctx) {
    JsonObject body = body(ctx);
    if (body != null) {
      window(ctx, body, ctx.pathParam("who"));
    }
  }

  /** {@code policy grant ID WHO [--from T] [--until T | --for D] [--allow-ended]} as the acting identity. */
  private void window(RoutingContext ctx, JsonObject body, String whoText) {
    String id = hexId(ctx, ctx.pathParam("id"), "the policy id");
    String who = id == null ? null : who(ctx, whoText);
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
      String at = instant(ctx, v, field);
      if (at == null) {
        return;
      }
      args.add("--" + field);
      args.add(at);
    }
    Object duration = body.getValue("for");
    if (duration != null && !"".equals(duration)) {
      if (!(duration instanceof String d) || !DURATION.matcher(d).matches()) {
        refuse(ctx, "for: a duration is a number and a unit (90s, 10m, 2h, 30d)");
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
    String id = hexId(ctx, ctx.pathParam("id"), "the policy id");
    String who = id == null ? null : who(ctx, ctx.pathParam("who"));
    String as = who == null ? null : c.acting(ctx, ctx.request().getParam("as"));
    if (as != null) {
      c.answer(ctx, change(verb, id, who, as));
    }
  }

  /** {@code policy VERB… ID WHO --as NAME}, WHO and NAME from the JSON body. */
  private void byBody(RoutingContext ctx, String... verb) {
    JsonObject body = body(ctx);
    if (body == null) {
      return;
    }
    String id = hexId(ctx, ctx.pathParam("id"), "the policy id");
    String who = id == null ? null : who(ctx, body.getValue("who") instanceof String s ? s : null);
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

  // ---------------------------------------------------------------- checking what the page sent

  /** {@code args} with the console's {@code --network FILE}, when it was given one. */
  private List<String> command(List<String> args) {
    List<String> all = new ArrayList<>(args);
    all.addAll(c.runs().networkArgs());
    return all;
  }

  /** The JSON body, or null after answering {@code 400 BAD_JSON} when it is not a JSON object. */
  private static JsonObject body(RoutingContext ctx) {
    try {
      return ConsoleContext.body(ctx);
    } catch (DecodeException | ClassCastException e) {
      ConsoleAnswers.error(ctx, 400, "BAD_JSON", "the request's body is not a JSON object");
      return null;
    }
  }

  private static String hexId(RoutingContext ctx, String text, String what) {
    if (text == null || !HEX_ID.matcher(text).matches()) {
      refuse(ctx, what + " must be 0x and hex digits, was '" + shortText(text) + "'");
      return null;
    }
    return text;
  }

  /** A member, admin or new owner: an address, or the name of an identity or a contact. */
  private static String who(RoutingContext ctx, String text) {
    if (text == null || text.isBlank()) {
      refuse(ctx, "who: give the name of an identity or a contact, or an address (0x...)");
      return null;
    }
    String t = text.strip();
    if (!HEX_ID.matcher(t).matches() && !NAME.matcher(t).matches()) {
      refuse(ctx, "who: '" + shortText(t) + "' is neither a name (letters, digits, '.', '_', '-') nor an address"
          + " (0x and hex digits)");
      return null;
    }
    return t;
  }

  /**
   * An instant as the command reads it (ISO-8601 UTC), from an ISO-8601 text or epoch milliseconds;
   * null after answering 400 when it is neither (or null without answering when it is absent).
   */
  private static String instant(RoutingContext ctx, Object value, String field) {
    if (value == null) {
      return null;
    }
    try {
      if (value instanceof Number n) {
        return Instant.ofEpochMilli(n.longValue()).toString();
      }
      if (value instanceof String s) {
        return OffsetDateTime.parse(s.strip()).toInstant().toString();
      }
    } catch (DateTimeException | ArithmeticException e) {
      // answered below
    }
    refuse(ctx, field + ": '" + shortText(String.valueOf(value)) + "' is not a time (ISO-8601 with a zone, such as"
        + " 2026-12-01T09:00:00Z, or epoch milliseconds)");
    return null;
  }

  private static void refuse(RoutingContext ctx, String message) {
    ConsoleAnswers.error(ctx, 400, BAD_ARGUMENT, message);
  }

  /** A value from the page, cut short for an error message. */
  private static String shortText(String text) {
    String t = String.valueOf(text);
    return t.length() <= 80 ? t : t.substring(0, 80) + "…";
  }
}
