package io.cachet.examples.subscription;

import io.cachet.client.CachetClient;
import io.cachet.client.ClientConfig;
import io.cachet.crypto.Address;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.PolicyId;
import io.cachet.crypto.Requester;
import io.cachet.examples.Network;
import io.cachet.examples.Parties;
import io.cachet.policy.AllowList;
import io.cachet.policy.Window;
import io.cachet.common.http.ApiErrors;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A small subscription service whose articles it cannot read itself.
 *
 * <p>The service owns one allow-list on the ledger: its subscribers. Authors seal articles on
 * their own machines under that policy and register the blob id here; the service lists them.
 * {@code POST /subscribe} adds the reader to the allow-list for a period (30 days by default), a
 * ledger transaction; from then on the key servers release article keys to that reader, and stop
 * when the period lapses. The service never fetches a key or touches plaintext: all it holds is
 * its ledger identity, the policy id and a list of blob ids.
 *
 * <p>Subscribers read in the browser: the service serves a reader page ({@link ReaderPage}) that
 * opens articles with the subscriber's own browser key, straight from the network's aggregator
 * and key servers. For that, the key servers, the gateway and the ledger list the service's
 * {@link #origin()} in their {@code cors-origins}.
 *
 * <pre>
 * GET  /                -> the reader page (and /reader.js, /reader.css, /cachet.js)
 * GET  /network.json    -> the network descriptor the service runs on (public keys and URLs)
 * GET  /policy          -> {"policyId"}                 authors seal under it
 * POST /articles        {"title","blobId"} -> 201       register a sealed article
 * GET  /articles        -> {"articles":[{"title","blobId"}]}
 * POST /subscribe       {"address"} -> {"address","until","height"}
 * </pre>
 *
 * <p>{@code height} is the ledger height that committed the subscription: a reader asks the key
 * servers to decide at that height or above, so one that has not applied it yet answers
 * {@code LEDGER_BEHIND} (and is asked again) instead of refusing a reader who has just subscribed.
 *
 * <p>Run: {@code java -cp ... io.cachet.examples.subscription.SubscriptionService [cachet-network.json] [port]}
 */
public final class SubscriptionService implements AutoCloseable {
  public static final Duration DEFAULT_PERIOD = Duration.ofDays(30);

  private final CachetClient ledger;
  private final PolicyId subscribers;
  private final Duration period;
  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final List<JsonObject> articles = new CopyOnWriteArrayList<>();

  private SubscriptionService(ClientConfig network, Requester identity, Duration period, int port) throws Exception {
    this.ledger = Parties.open(network, identity);
    this.subscribers = ledger.createAllowList();
    this.period = period;
    Router router = Router.router(vertx);
    ApiErrors.install(router);
    ReaderPage.load(network).install(router);
    router.route().handler(BodyHandler.create().setBodyLimit(16 * 1024));
    router.get("/policy").handler(ctx -> json(ctx, 200, new JsonObject().put("policyId", subscribers.toString())));
    router.get("/articles").handler(ctx -> json(ctx, 200, new JsonObject().put("articles", new JsonArray(articles))));
    router.post("/articles").handler(this::register);
    router.post("/subscribe").handler(this::subscribe);
    server = vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1").await(30, TimeUnit.SECONDS);
  }

  /** The service writing subscriptions as {@code identity}: on an EVM chain one with funds for its writes. */
  public static SubscriptionService start(ClientConfig network, Requester identity, Duration period, int port)
      throws Exception {
    return new SubscriptionService(network, identity, period, port);
  }

  public static void main(String[] args) throws Exception {
    int port = args.length > 1 ? Integer.parseInt(args[1]) : 8088;
    ClientConfig network = Network.fromArgs(args);
    SubscriptionService s = start(network, Parties.fromEnvironment(network).writer(), DEFAULT_PERIOD, port);
    System.out.println("subscription service on " + s.origin() + "/, subscribers " + s.policy());
  }

  public int port() {
    return server.actualPort();
  }

  /** {@code http://127.0.0.1:PORT}: the reader page's origin, which the network's servers list in {@code cors-origins}. */
  public String origin() {
    return origin(port());
  }

  /** The origin of a service listening on {@code port}: known before it starts, so the network can be told first. */
  public static String origin(int port) {
    return "http://127.0.0.1:" + port;
  }

  public PolicyId policy() {
    return subscribers;
  }

  /** How many data keys the service holds: none, ever (a test checks it). */
  public int keysHeld() {
    return ledger.cachedKeys();
  }

  private void register(RoutingContext ctx) {
    JsonObject body = body(ctx);
    if (body == null || !(body.getValue("title") instanceof String title) || title.isBlank() || title.length() > 200
        || !(body.getValue("blobId") instanceof String blobId) || !blobId.matches("[A-Za-z0-9_-]{43}")) {
      ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", "send {\"title\": 1-200 characters, \"blobId\": the blob id}");
      return;
    }
    JsonObject article = new JsonObject().put("title", title).put("blobId", blobId);
    articles.add(article);
    json(ctx, 201, article);
  }

  private void subscribe(RoutingContext ctx) {
    JsonObject body = body(ctx);
    Address reader;
    try {
      reader = Address.parse(body == null ? "" : body.getString("address", ""));
    } catch (FormatException | ClassCastException e) {
      ApiErrors.send(ctx, 400, "INVALID_ARGUMENT", "send {\"address\": \"0x...\"}, the reader's Cachet address");
      return;
    }
    // from the current whole second: an EVM chain holds seconds and rounds a start up
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Instant until = now.plus(period);
    Window window = new Window(now.toEpochMilli(), until.toEpochMilli());
    // a ledger transaction waits for its block: off the event loop
    vertx.<Long>executeBlocking(() -> {
      synchronized (ledger) {
        if (ledger.policy(subscribers) instanceof AllowList list && list.members().containsKey(reader)) {
          return ledger.changeWindow(subscribers, reader, window);
        }
        return ledger.grant(subscribers, reader, window);
      }
    }, false).onComplete(ar -> {
      if (ar.succeeded()) {
        json(ctx, 200, new JsonObject().put("address", reader.toString()).put("until", until.toString())
            .put("height", ar.result()));
      } else {
        ApiErrors.send(ctx, 503, "UNAVAILABLE", "the ledger did not take the subscription: " + ar.cause().getMessage());
      }
    });
  }

  private static JsonObject body(RoutingContext ctx) {
    try {
      return ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }

  @Override
  public void close() {
    try {
      vertx.close().await(10, TimeUnit.SECONDS); // closes the server with it
    } catch (java.util.concurrent.TimeoutException e) {
      // a stuck close leaves only threads behind; the ledger client still closes
    } finally {
      ledger.close();
    }
  }
}
