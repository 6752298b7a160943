package io.cachet.cli.console;

import io.cachet.cli.PassphraseOptions;
import io.cachet.cli.agent.HeldIdentities;
import io.cachet.cli.id.IdentityStore;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.WrongPassphraseException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The console's identities: list them with whether the console holds each unlocked, create one
 * (then held unlocked at once), unlock and lock, and download an address. Contacts are
 * {@link ContactsRoutes}. Listing, creating and exporting run the {@code id} commands; unlocking
 * opens the keystore the way {@code cachet agent add} does, into the console's
 * {@link HeldIdentities}.
 *
 * <p>Passphrases: taken from the JSON body into a {@code char[]} at once ({@link RouteInputs}), the
 * raw body zeroed, the array zeroed after use; never logged or put in an answer. A wrong one is
 * answered {@code 403 WRONG_PASSPHRASE} with nothing more; {@link UnlockTries} bounds the guesses.
 * The console never hands out a keystore: a keystore copied through a browser lands in its
 * downloads and caches, which is not where a private key should be copied to; {@code cachet id
 * export} and {@code cachet id import} on the terminal move keys between machines.
 */
final class IdentitiesRoutes {
  /** Reason of a create or unlock without a passphrase. */
  static final String NO_PASSPHRASE = "NO_PASSPHRASE";
  /** Reason of an unlock refused because of too many wrong passphrases for the name. */
  static final String TOO_MANY_TRIES = "TOO_MANY_TRIES";
  /** Reason of a wrong passphrase (the same as the crypto module's). */
  static final String WRONG_PASSPHRASE = "WRONG_PASSPHRASE";

  private final ConsoleContext c;
  private final UnlockTries tries;

  private IdentitiesRoutes(ConsoleContext c, Clock clock) {
    this.c = c;
    this.tries = new UnlockTries(clock);
  }

  static void mount(Router router, ConsoleContext c) {
    IdentitiesRoutes r = new IdentitiesRoutes(c, Clock.systemUTC());
    router.get("/api/identities").handler(r::list);
    router.post("/api/identities").handler(c.jsonBody()).handler(r::create);
    router.get("/api/identities/acting").handler(r::acting);
    router.post("/api/identities/:name/unlock").handler(c.jsonBody()).handler(r::unlock);
    router.post("/api/identities/:name/lock").handler(r::lock);
    router.get("/api/identities/:name/address").handler(r::address);
    ContactsRoutes.mount(router, c);
  }

  // ---------------------------------------------------------------- list

  /**
   * {@code id list}, each with {@code unlocked} and {@code until} from what the console holds, and
   * {@code evmNetwork} when there is a network (the page's default for a new identity's kind).
   */
  private void list(RoutingContext ctx) {
    List<String> args = new ArrayList<>(List.of("id", "list"));
    args.addAll(c.runs().networkArgs());
    c.offLoop(() -> c.runs().json(args)).onComplete(r -> {
      if (r.failed()) {
        failed(ctx, r.cause());
        return;
      }
      ConsoleRuns.Result run = r.result();
      if (!run.ok() || !(run.json() instanceof JsonObject doc)) {
        ConsoleAnswers.send(ctx, run);
        return;
      }
      JsonArray ids = doc.getJsonArray("identities", new JsonArray());
      List<HeldIdentities.Held> held = c.held().list();
      for (int i = 0; i < ids.size(); i++) {
        withHold(ids.getJsonObject(i), held);
      }
      JsonObject network = doc.getJsonObject("network");
      if (network != null) {
        doc.put("evmNetwork", "evm".equals(network.getString("chain")));
      }
      ConsoleAnswers.json(ctx, doc);
    });
  }

  /** Adds {@code unlocked} and {@code until} to an identity's document, and drops its file path. */
  private static JsonObject withHold(JsonObject id, List<HeldIdentities.Held> held) {
    id.remove("keystore");
    Optional<HeldIdentities.Held> h = held.stream().filter(x -> x.name().equals(id.getString("name"))
        && x.address().toString().equalsIgnoreCase(id.getString("address", ""))).findFirst();
    id.put("unlocked", h.isPresent());
    id.put("until", h.map(x -> x.until().toString()).orElse(null));
    return id;
  }

  // ---------------------------------------------------------------- create

  /** {@code id new NAME [--evm]} with the page's passphrase, then held unlocked. */
  private void create(RoutingContext ctx) {
    JsonObject body = RouteInputs.bodyOrRefuse(ctx);
    if (body == null) {
      return;
    }
    char[] pass = RouteInputs.takePassphrase(ctx, body);
    String name = body.getValue("name") instanceof String s ? s.strip() : "";
    boolean evm = Boolean.TRUE.equals(body.getValue("evm"));
    if (pass.length == 0) {
      ConsoleAnswers.error(ctx, 400, NO_PASSPHRASE, "give the new identity a passphrase (typed twice on the page)");
      return;
    }
    if (!RouteInputs.argument(ctx, name, IdentityStore.BAD_NAME, "an identity name")) {
      Arrays.fill(pass, '\0');
      return;
    }
    List<String> args = new ArrayList<>(List.of("id", "new", name));
    if (evm) {
      args.add("--evm");
    }
    c.offLoop(() -> createAndHold(name, args, pass)).onComplete(r -> {
      Arrays.fill(pass, '\0');
      if (r.failed()) {
        failed(ctx, r.cause());
        return;
      }
      ConsoleRuns.Result run = r.result().run();
      if (!run.ok() || !(run.json() instanceof JsonObject doc)) {
        ConsoleAnswers.send(ctx, run);
        return;
      }
      ConsoleAnswers.json(ctx, withHold(doc, c.held().list()));
    });
  }

  private record Created(ConsoleRuns.Result run, HeldIdentities.Held held) {}

  private Created createAndHold(String name, List<String> args, char[] pass) throws Exception {
    // The command reads a passphrase only from a file or its environment, and an environment holds
    // Strings: this one lives for the run, in that run's environment only.
    ConsoleRuns.Result run = c.runs().json(args, Map.of(PassphraseOptions.ENV, new String(pass)));
    if (!run.ok()) {
      return new Created(run, null);
    }
    return new Created(run, hold(name, pass));
  }

  /** Opens {@code name}'s keystore with {@code pass} into the console's held identities. */
  private HeldIdentities.Held hold(String name, char[] pass) throws Exception {
    Path file = store().show(name).file();
    byte[] keystore = Files.readAllBytes(file);
    try {
      return c.held().add(name, keystore, pass, null);
    } finally {
      Arrays.fill(keystore, (byte) 0);
    }
  }

  // ---------------------------------------------------------------- unlock, lock

  /** Thrown inside an unlock to answer with {@code 429}: how long until a try is taken again. */
  private static final class Paused extends Exception {
    final Duration wait;

    Paused(Duration wait) {
      super(null, null, false, false);
      this.wait = wait;
    }
  }

  /** Thrown inside an unlock for a name that is not an identity here. */
  private static final class Unknown extends Exception {
    Unknown() {
      super(null, null, false, false);
    }
  }

  private void unlock(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    JsonObject body = RouteInputs.bodyOrRefuse(ctx);
    if (body == null) {
      return;
    }
    char[] pass = RouteInputs.takePassphrase(ctx, body);
    if (pass.length == 0) {
      ConsoleAnswers.error(ctx, 400, NO_PASSPHRASE, "type the passphrase of '" + name + "' to unlock it");
      return;
    }
    c.offLoop(() -> tryUnlock(name, pass)).onComplete(r -> {
      Arrays.fill(pass, '\0');
      if (r.succeeded()) {
        HeldIdentities.Held h = r.result();
        ConsoleAnswers.json(ctx, new JsonObject().put("name", h.name()).put("address", h.address().toString())
            .put("unlocked", true).put("until", h.until().toString()));
      } else if (r.cause() instanceof WrongPassphraseException) {
        ConsoleAnswers.error(ctx, 403, WRONG_PASSPHRASE, "wrong passphrase");
      } else if (r.cause() instanceof Paused p) {
        long seconds = Math.max(1, (p.wait.toMillis() + 999) / 1000);
        ctx.response().putHeader("Retry-After", Long.toString(seconds));
        ConsoleAnswers.error(ctx, 429, TOO_MANY_TRIES, "too many wrong passphrases for '" + name + "': try again in "
            + seconds + " s");
      } else if (r.cause() instanceof Unknown) {
        ConsoleAnswers.error(ctx, 404, IdentityStore.NO_SUCH_IDENTITY, "there is no identity named '" + name
            + "' here");
      } else {
        failed(ctx, r.cause());
      }
    });
  }

  private HeldIdentities.Held tryUnlock(String name, char[] pass) throws Exception {
    // a name is counted only once it is known to be an identity, so the counts stay as few as they are
    if (store().list().stream().noneMatch(e -> e.name().equals(name))) {
      throw new Unknown();
    }
    Optional<Duration> wait = tries.begin(name);
    if (wait.isPresent()) {
      throw new Paused(wait.get());
    }
    try {
      HeldIdentities.Held h = hold(name, pass);
      tries.right(name);
      return h;
    } catch (WrongPassphraseException e) {
      tries.wrong(name);
      throw e;
    } catch (Exception | Error e) {
      tries.abandoned(name);
      throw e;
    }
  }

  /** Forgets the unlocked copy of {@code name}; the keystore on disk stays. Idempotent. */
  private void lock(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    boolean was = c.held().remove(name);
    ConsoleAnswers.json(ctx, new JsonObject().put("name", name).put("unlocked", false).put("wasUnlocked", was));
  }

  /** The identity a request would act as: answers as every acting route does when it is not unlocked. */
  private void acting(RoutingContext ctx) {
    String as = c.acting(ctx, ctx.request().getParam("as"));
    if (as == null) {
      return;
    }
    c.held().list().stream().filter(h -> h.name().equals(as)).findFirst().ifPresentOrElse(
        h -> ConsoleAnswers.json(ctx, new JsonObject().put("name", h.name()).put("address", h.address().toString())
            .put("until", h.until().toString())),
        () -> ConsoleAnswers.error(ctx, 409, "LOCKED_IDENTITY", "identity '" + as + "' is not unlocked in this"
            + " console: unlock it on the Identities page"));
  }

  // ---------------------------------------------------------------- address

  /** {@code id export NAME}'s address as a small text file, {@code NAME.address}. */
  private void address(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    if (!RouteInputs.argument(ctx, name, IdentityStore.BAD_NAME, "an identity name")) {
      return;
    }
    c.offLoop(() -> c.runs().json(List.of("id", "export", name))).onComplete(r -> {
      if (r.failed()) {
        failed(ctx, r.cause());
        return;
      }
      ConsoleRuns.Result run = r.result();
      if (!run.ok() || !(run.json() instanceof JsonObject doc) || doc.getString("address") == null) {
        ConsoleAnswers.send(ctx, run);
        return;
      }
      // the name passed the command's check (a-z, 0-9, '-' and '_'), so it is safe in the header
      ctx.response().putHeader("content-type", "text/plain; charset=utf-8")
          .putHeader("Content-Disposition", "attachment; filename=\"" + doc.getString("name") + ".address\"")
          .end(doc.getString("address") + "\n");
    });
  }

  // ---------------------------------------------------------------- shared

  private IdentityStore store() {
    return new IdentityStore(c.runs().home().resolve("ids"));
  }

  /** A failure of the console's own; its text stays in the process (it may name files). */
  private static void failed(RoutingContext ctx, Throwable cause) {
    if (cause instanceof FormatException) {
      ConsoleAnswers.error(ctx, 500, "DAMAGED_KEYSTORE", "the identity's keystore is damaged; see 'cachet id show'"
          + " on the terminal");
      return;
    }
    ConsoleAnswers.failed(ctx, cause);
  }
}
