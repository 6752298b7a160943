package io.cachet.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.crypto.Base64Url;
import io.cachet.crypto.Identity;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ledger (or whatever stands between it and the follower) serves a page whose fourth block is
 * forged. The follower refuses it and keeps the three before it, in memory and in its store alike,
 * so the next, sound page carries on from there instead of halting the follower for good.
 */
class FollowerRefusedBlockTest {
  private static final String LEDGER = "cachet-test";
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path storeDir;
  private final Vertx vertx = Vertx.vertx();
  private final List<Follower> followers = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    followers.forEach(Follower::close);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void blockRefusedMidPage_theBlocksBeforeItAreStored_andTheNextPageCarriesOn() throws Exception {
    Identity sequencer = Identity.generate(RANDOM);
    Identity forger = Identity.generate(RANDOM);
    long start = System.currentTimeMillis() - 60_000;
    List<Block> chain = new ArrayList<>();
    for (int h = 0; h < 6; h++) {
      chain.add(Block.sign(sequencer, LEDGER, h, h == 0 ? Block.GENESIS_PARENT : chain.get(h - 1).hash(),
          start + h * 1000L, List.of()));
    }
    Block forged = Block.sign(forger, LEDGER, 3, chain.get(2).hash(), start + 3000L, List.of());

    AtomicInteger pages = new AtomicInteger();
    HttpServer ledger = vertx.createHttpServer().requestHandler(req -> {
      long from = Long.parseLong(req.getParam("from"));
      JsonArray blocks = new JsonArray();
      if (pages.getAndIncrement() == 0) {
        // the first page: three sound blocks, then a forged one, then one that follows it
        for (int h = (int) from; h < 3; h++) {
          blocks.add(Base64Url.encode(chain.get(h).encoded()));
        }
        blocks.add(Base64Url.encode(forged.encoded()));
      } else {
        for (int h = (int) from; h < chain.size(); h++) {
          blocks.add(Base64Url.encode(chain.get(h).encoded()));
        }
      }
      req.response().putHeader("content-type", "application/json").end(new JsonObject()
          .put("ledgerId", LEDGER).put("head", chain.size() - 1).put("blocks", blocks).encode());
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    String url = "http://127.0.0.1:" + ledger.actualPort();

    Follower follower = Follower.start(vertx, new Follower.Config(url, LEDGER, sequencer.verifyingKey(),
        Duration.ofMillis(200), Clock.systemUTC()), storeDir);
    followers.add(follower);
    follower.awaitHeight(chain.size() - 1).get(30, TimeUnit.SECONDS);
    assertThat(follower.status().halted()).as(follower.status().lastError()).isFalse();
    assertThat(pages.get()).isGreaterThanOrEqualTo(2);
    follower.close();
    followers.remove(follower);

    // what it stored is the sound chain, whole: a restart resumes at its head
    Follower resumed = Follower.start(vertx, new Follower.Config("http://127.0.0.1:1", LEDGER,
        sequencer.verifyingKey(), Duration.ofMillis(200), Clock.systemUTC()), storeDir);
    followers.add(resumed);
    assertThat(resumed.view().height()).isEqualTo(chain.size() - 1);
  }
}
