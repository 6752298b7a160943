package io.cachet.policy.evm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.crypto.Address;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;

/**
 * Listing the policies an address manages on an EVM chain is bounded: a scan that would take too
 * many eth_getLogs calls is refused before the first, and one that finds too many candidates stops.
 * The chain is a real small JSON-RPC server on loopback with a long history.
 */
class EvmLogScanCapTest {
  private static final long CHAIN_ID = 31337;
  /** A chain as long as a public one's: far past what the cap covers from block 0. */
  private static final long HEAD = 20_000_000;
  private static final Address CONTRACT = Address.ofEvm(filled((byte) 0x11));
  private static final Credentials KEY = Credentials.create("0x" + "01".repeat(32));

  private final Vertx vertx = Vertx.vertx();
  private final AtomicInteger getLogsCalls = new AtomicInteger();

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** A chain at {@link #HEAD} whose every eth_getLogs answers {@code logs(call number)}. */
  private URI chain(IntFunction<JsonArray> logs) throws Exception {
    HttpServer server = vertx.createHttpServer().requestHandler(r -> r.body().onSuccess(b -> {
      JsonObject call = b.toJsonObject();
      Object result = switch (call.getString("method")) {
        case "eth_chainId" -> "0x" + Long.toHexString(CHAIN_ID);
        case "eth_getBlockByNumber" -> new JsonObject().put("number", "0x" + Long.toHexString(HEAD))
            .put("timestamp", "0x6000000").put("hash", "0x" + "22".repeat(32)).put("transactions", new JsonArray());
        case "eth_getLogs" -> logs.apply(getLogsCalls.incrementAndGet());
        default -> null;
      };
      r.response().putHeader("content-type", "application/json")
          .end(new JsonObject().put("jsonrpc", "2.0").put("id", call.getValue("id")).put("result", result).encode());
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return URI.create("http://127.0.0.1:" + server.actualPort());
  }

  private static Address someone() {
    return Address.ofEvm(filled((byte) 0x33));
  }

  private static byte[] filled(byte b) {
    byte[] out = new byte[Address.EVM_LENGTH];
    Arrays.fill(out, b);
    return out;
  }

  @Test
  void managedBy_fromGenesisOnALongChain_isRefusedBeforeAnyLogCall() throws Exception {
    try (EvmPolicyChain chain = new EvmPolicyChain(KEY, CHAIN_ID, chain(n -> new JsonArray()), CONTRACT)) {
      assertThatThrownBy(() -> chain.managedBy(someone(), 0)).isInstanceOf(LogScanTooLongException.class)
          .hasMessageContaining("deployment block");
      assertThat(getLogsCalls).hasValue(0);
      // from a deployment block near the head, the same listing is a few calls
      assertThat(chain.managedBy(someone(), HEAD - 3 * EvmPolicyChain.LOG_RANGE_BLOCKS)).isEmpty();
      assertThat(getLogsCalls.get()).isBetween(1, 8);
    }
  }

  @Test
  void managedBy_moreCandidatesThanTheCap_failsInsteadOfConfirmingEach() throws Exception {
    IntFunction<JsonArray> flood = n -> {
      JsonArray out = new JsonArray();
      for (int i = 0; i <= EvmPolicyChain.MAX_LOG_CANDIDATES; i++) {
        String id = String.format("0x%064x", (long) n * 1_000_000 + i);
        out.add(new JsonObject().put("address", CONTRACT.evmHex()).put("topics", new JsonArray()
                .add("0x" + "44".repeat(32)).add(id).add("0x" + "00".repeat(32)))
            .put("data", "0x").put("blockNumber", "0x1").put("transactionHash", "0x" + "55".repeat(32))
            .put("logIndex", "0x0").put("blockHash", "0x" + "66".repeat(32)).put("transactionIndex", "0x0")
            .put("removed", false));
      }
      return out;
    };
    try (EvmPolicyChain chain = new EvmPolicyChain(KEY, CHAIN_ID, chain(flood), CONTRACT)) {
      assertThatThrownBy(() -> chain.managedBy(someone(), HEAD - 10)).isInstanceOf(LogScanTooLongException.class)
          .hasMessageContaining("candidates");
    }
  }
}
