package io.cachet.client;

import io.cachet.common.http.BoundedBody;
import io.cachet.common.http.Endpoints;
import io.cachet.common.io.DurableFiles;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.KeyServerKey;
import io.cachet.crypto.protocol.ServiceDescriptor;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The key servers' sealing (HPKE) keys a put seals shares to: each taken from the server's signed
 * {@code /v1/service} descriptor only if it verifies under the key the network descriptor pins,
 * kept for the life of the client and, given a cache directory, on disk for a later client to
 * seal with while a server is down (verified again under the pinned key before use).
 */
final class SealingKeys {
  /** Most bytes of a key server's service descriptor: its keys, id, version and proof are well under 1 KiB. */
  private static final int MAX_SERVICE_ANSWER_BYTES = 64 << 10;

  private final ClientConfig config;
  private final HttpClient http;
  /** Where descriptors are kept between clients; null keeps none. */
  private final Path descriptorCache;
  private final Map<String, KeyServerKey> sealingKeys = new ConcurrentHashMap<>();

  SealingKeys(ClientConfig config, HttpClient http, Path descriptorCache) {
    this.config = config;
    this.http = http;
    this.descriptorCache = descriptorCache;
  }

  /**
   * Every key server's current HPKE key, from its {@code /v1/service} descriptor, accepted only if
   * the descriptor's proof verifies and it is signed by the pinned key under the pinned id. Fetched
   * once per client; sealing needs all of them, so a server that cannot be reached stops a put.
   */
  List<KeyServerKey> keys() throws IOException, CachetSecurityException {
    List<Future<KeyServerKey>> pending = new ArrayList<>();
    for (ClientConfig.KeyServer server : config.keyServers()) {
      KeyServerKey known = sealingKeys.get(server.id());
      RequestOptions get = new RequestOptions().setMethod(HttpMethod.GET)
          .setAbsoluteURI(Endpoints.under(server.url(), "/v1/service").toString())
          .setIdleTimeout(config.requestTimeout().toMillis());
      pending.add(known != null ? Future.succeededFuture(known) : BoundedBody.exchange(http, get, null,
          "a key server's service descriptor", MAX_SERVICE_ANSWER_BYTES).compose(r -> {
            if (r.status() != 200) {
              return Future.failedFuture(new IOException("answered HTTP " + r.status()
                  + " for its service descriptor"));
            }
            try {
              String descriptor = r.body().toString(StandardCharsets.UTF_8);
              KeyServerKey k = trusted(server, descriptor);
              remember(server, descriptor);
              return Future.succeededFuture(k);
            } catch (CachetSecurityException e) {
              return Future.failedFuture(e);
            }
          }));
    }
    List<KeyServerKey> out = new ArrayList<>();
    List<ServerOutcome> failures = new ArrayList<>();
    for (int i = 0; i < pending.size(); i++) {
      ClientConfig.KeyServer server = config.keyServers().get(i);
      try {
        out.add(Await.join(pending.get(i), config.requestTimeout(), config.ledgerUrl()));
      } catch (IOException e) {
        KeyServerKey cached = cached(server);
        if (cached != null) {
          out.add(cached);
        } else {
          failures.add(new ServerOutcome(server.id(), ServerOutcome.Kind.UNAVAILABLE, 0,
              Unreachable.in(e).isPresent() ? Unreachable.REASON : "NO_SEALING_KEY", Unreachable.describe(e)));
        }
      }
    }
    if (!failures.isEmpty()) {
      throw new KeyServersUnavailableException("sealing needs the key of every key server, and "
          + failures.size() + " of " + config.keyServers().size() + " could not be had", config.keyServers().size(),
          failures);
    }
    out.forEach(k -> sealingKeys.put(k.id(), k));
    return out;
  }

  /** The HPKE key of a descriptor that proves possession and is signed by the pinned key under the pinned id. */
  private static KeyServerKey trusted(ClientConfig.KeyServer server, String json) throws CachetSecurityException {
    ServiceDescriptor d = ServiceDescriptor.fromJson(json);
    d.verify();
    if (!d.serverId().equals(server.id()) || !d.verifyingKey().equals(server.signingKey())) {
      throw new CachetSecurityException("UNTRUSTED_KEY_SERVER", "key server " + server.id() + " at " + Endpoints.where(server.url())
          + " presents a descriptor for '" + d.serverId() + "' that is not signed by its pinned key");
    }
    return new KeyServerKey(server.id(), d.hpkePublicKey());
  }

  private Path cacheFile(ClientConfig.KeyServer server) {
    return descriptorCache.resolve(config.ledgerId() + "." + server.id() + ".service.json");
  }

  private void remember(ClientConfig.KeyServer server, String json) {
    if (descriptorCache == null) {
      return;
    }
    try {
      DurableFiles.write(cacheFile(server), json.getBytes(StandardCharsets.UTF_8), false);
    } catch (IOException e) {
      // a cache: the next put fetches again
    }
  }

  private KeyServerKey cached(ClientConfig.KeyServer server) {
    if (descriptorCache == null) {
      return null;
    }
    try {
      return trusted(server, Files.readString(cacheFile(server)));
    } catch (IOException | CachetSecurityException e) {
      return null;
    }
  }
}
