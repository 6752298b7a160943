package io.cachet.cli.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.Cachet;
import io.cachet.cli.ExitCodes;
import io.cachet.crypto.Identity;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cachet policy list} on a long EVM chain, through the command: from block 0 it is refused
 * before any eth_getLogs call, naming {@code --from-block}; the descriptor's {@code
 * chain.deployBlock} makes the same listing a few calls. The chain is a real small JSON-RPC server.
 */
class PolicyListScanCliTest {
  private static final long CHAIN_ID = 31337;
  private static final long HEAD = 20_000_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path home;
  private final Vertx vertx = Vertx.vertx();
  private final AtomicInteger getLogsCalls = new AtomicInteger();

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private record Run(int exit, String out, String err) {}

  private Run cachet(String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(List.of("--home", home.toString()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Cachet.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true))
        .execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  private int rpc() throws Exception {
    HttpServer server = vertx.createHttpServer().requestHandler(r -> r.body().onSuccess(b -> {
      JsonObject call = b.toJsonObject();
      Object result = switch (call.getString("method")) {
        case "eth_chainId" -> "0x" + Long.toHexString(CHAIN_ID);
        case "eth_blockNumber" -> "0x" + Long.toHexString(HEAD);
        case "eth_getBlockByNumber" -> new JsonObject().put("number", "0x" + Long.toHexString(HEAD))
            .put("timestamp", "0x6000000").put("hash", "0x" + "22".repeat(32)).put("transactions", new JsonArray());
        case "eth_getLogs" -> {
          getLogsCalls.incrementAndGet();
          yield new JsonArray();
        }
        default -> null;
      };
      r.response().putHeader("content-type", "application/json")
          .end(new JsonObject().put("jsonrpc", "2.0").put("id", call.getValue("id")).put("result", result).encode());
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return server.actualPort();
  }

  private Path descriptor(int rpcPort, long deployBlock) throws Exception {
    String key = Identity.generate(new SecureRandom()).verifyingKey().toString();
    ObjectNode root = JSON.createObjectNode();
    root.put("format", "cachet-network/1");
    ObjectNode chain = root.putObject("chain");
    chain.put("kind", "evm");
    chain.put("rpcUrl", "http://127.0.0.1:" + rpcPort);
    chain.put("chainId", CHAIN_ID);
    chain.put("policies", "0x" + "11".repeat(20));
    chain.put("blobRegistry", "0x" + "12".repeat(20));
    if (deployBlock > 0) {
      chain.put("deployBlock", deployBlock);
    }
    ObjectNode ks = root.putObject("keyServers");
    ks.put("threshold", 1);
    ObjectNode s = ks.putArray("servers").addObject();
    s.put("id", "ks-1");
    s.put("url", "http://127.0.0.1:1");
    s.put("signingKey", key);
    ObjectNode st = root.putObject("storage");
    st.put("publisher", "http://127.0.0.1:1");
    st.put("aggregator", "http://127.0.0.1:1");
    Path file = home.resolve("network-" + deployBlock + ".json");
    Files.writeString(file, root.toString());
    return file;
  }

  @Test
  void policyList_onALongChainFromBlockZero_isRefusedNamingFromBlock_andDeployBlockMakesItShort() throws Exception {
    Path pass = home.resolve("pass.txt");
    Files.writeString(pass, "correct horse battery staple");
    Run made = cachet("id", "new", "alice", "--evm", "--passphrase-file", pass.toString());
    assertThat(made.exit()).as(made.err()).isEqualTo(ExitCodes.OK);
    int port = rpc();

    Run refused = cachet("policy", "list", "--network", descriptor(port, 0).toString(), "--json");
    assertThat(refused.exit()).as(refused.err() + refused.out()).isEqualTo(ExitCodes.USAGE);
    JsonNode error = JSON.readTree(refused.out()).get("error");
    assertThat(error.get("reason").asText()).isEqualTo(PolicyListCommand.SCAN_TOO_LONG);
    assertThat(error.get("hint").asText()).contains("--from-block");
    assertThat(getLogsCalls).hasValue(0);

    Run listed = cachet("policy", "list", "--network", descriptor(port, HEAD - 3_000).toString(), "--json");
    assertThat(listed.exit()).as(listed.err() + listed.out()).isEqualTo(ExitCodes.OK);
    assertThat(JSON.readTree(listed.out()).get("policies")).isEmpty();
    assertThat(getLogsCalls.get()).isBetween(1, 4);
  }
}
