package io.cachet.policy.evm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.Web3j;

/** The writing side's JSON-RPC client reads every answer within its cap, from a real hostile server. */
class EvmRpcClientTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private URI serve(String answer) throws Exception {
    HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onComplete(b ->
        req.response().putHeader("content-type", "application/json").end(answer)));
    server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return URI.create("http://127.0.0.1:" + server.actualPort());
  }

  @Test
  void anAnswerWithinTheCap_isRead() throws Exception {
    Web3j web3j = EvmRpcClient.connect(serve("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x2a\"}"));
    try {
      assertThat(web3j.ethBlockNumber().send().getBlockNumber()).isEqualTo(BigInteger.valueOf(42));
    } finally {
      web3j.shutdown();
    }
  }

  @Test
  void anAnswerPastTheCap_isRefusedUnread() throws Exception {
    String huge = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x" + "0".repeat((int) EvmRpcClient.MAX_ANSWER_BYTES) + "\"}";
    Web3j web3j = EvmRpcClient.connect(serve(huge));
    try {
      assertThatThrownBy(() -> web3j.ethBlockNumber().send()).isInstanceOf(IOException.class)
          .hasMessageContaining("more than " + EvmRpcClient.MAX_ANSWER_BYTES + " bytes");
    } finally {
      web3j.shutdown();
    }
  }
}
