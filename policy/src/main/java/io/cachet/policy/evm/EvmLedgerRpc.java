package io.cachet.policy.evm;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The few JSON-RPC calls the EVM ledger makes, blocking, on the caller's thread (the head
 * follower's own thread, or the key server's worker pool: never an event loop).
 *
 * <p>Guarantees: every call is bounded in time ({@code timeout}) and in the size of the answer it
 * reads ({@link #MAX_ANSWER_BYTES}); a transport failure, a non-200 answer, an answer that is not
 * JSON-RPC, and an error the node reports for anything but the contract's own execution are
 * {@link Unavailable}; an error from executing the contract is {@link CallFailed}.
 */
final class EvmLedgerRpc {
  /** Largest JSON-RPC answer read: a block header or a canRead answer is far smaller. */
  static final int MAX_ANSWER_BYTES = 256 * 1024;
  /** anvil's (revm's) wording of every EVM halt: "EVM error OutOfGas", "EVM error InvalidFEOpcode", ... */
  private static final Pattern EVM_HALT = Pattern.compile("evm error [a-z]+(\\(.*\\))?");

  /** A block as the follower keeps it: number, hash (0x hex, lower case), timestamp in seconds. */
  record BlockRef(long number, String hash, long timestampSeconds) {}

  /** The node or the way to it failed: nothing can be concluded about the chain. */
  static final class Unavailable extends IOException {
    Unavailable(String message) {
      super(message);
    }

    Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The node executed the call and it failed (revert, out of gas, invalid opcode). */
  static final class CallFailed extends Exception {
    CallFailed(String message) {
      super(message);
    }
  }

  private final URI url;
  private final Duration timeout;
  private final HttpClient http;
  private final AtomicLong ids = new AtomicLong();

  EvmLedgerRpc(URI url, Duration timeout) {
    this.url = url;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
  }

  /**
   * The endpoint as logs and messages may show it: scheme, host and port only, since a provider's
   * URL often carries an API key in its path or query.
   */
  String where() {
    return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
  }

  long chainId() throws Unavailable {
    return quantity(result("eth_chainId", new JsonArray()), "eth_chainId");
  }

  long blockNumber() throws Unavailable {
    return quantity(result("eth_blockNumber", new JsonArray()), "eth_blockNumber");
  }

  /** The block at {@code number}; Unavailable if the node has none there. */
  BlockRef blockByNumber(long number) throws Unavailable {
    Object r = result("eth_getBlockByNumber", new JsonArray().add("0x" + Long.toHexString(number)).add(false));
    if (!(r instanceof JsonObject b)) {
      throw new Unavailable("the node has no block " + number);
    }
    String hash = b.getValue("hash") instanceof String h ? h.toLowerCase(Locale.ROOT) : null;
    if (hash == null || !hash.matches("0x[0-9a-f]{64}")) {
      throw new Unavailable("the node answered block " + number + " without a valid hash");
    }
    long n = quantity(b.getValue("number"), "block number");
    if (n != number) {
      throw new Unavailable("asked for block " + number + ", the node answered block " + n);
    }
    return new BlockRef(n, hash, quantity(b.getValue("timestamp"), "block timestamp"));
  }

  /**
   * eth_call at the block with hash {@code blockHash} (EIP-1898, so a reorg cannot make the node
   * answer for another block), with at most {@code gas}.
   *
   * @return the returned data, 0x hex (possibly "0x")
   */
  String call(String to, String data, String blockHash, long gas) throws Unavailable, CallFailed {
    JsonObject tx = new JsonObject().put("to", to).put("data", data).put("gas", "0x" + Long.toHexString(gas));
    JsonObject block = new JsonObject().put("blockHash", blockHash).put("requireCanonical", true);
    JsonObject answer = send("eth_call", new JsonArray().add(tx).add(block));
    JsonObject error = answer.getValue("error") instanceof JsonObject e ? e : null;
    if (error != null) {
      if (isExecutionError(error)) {
        throw new CallFailed(String.valueOf(error.getValue("message")));
      }
      throw new Unavailable("eth_call failed at the node: " + error.getValue("code"));
    }
    if (!(answer.getValue("result") instanceof String s) || !s.matches("0x([0-9a-fA-F]{2})*")) {
      throw new Unavailable("eth_call answered without hex data");
    }
    return s;
  }

  /**
   * Whether a JSON-RPC error comes from running the contract rather than from the node: code 3
   * (a revert, with or without data), or a message in one of the known shapes nodes give an EVM
   * halt. Anything else (a node out of sync, a fee or rate-limit complaint, a message nobody
   * words like a halt) is the node's and must not be taken, or cached, as the contract's answer.
   */
  static boolean isExecutionError(JsonObject error) {
    Object code = error.getValue("code");
    if (code instanceof Number n && n.intValue() == 3) {
      return true;
    }
    String m = String.valueOf(error.getValue("message")).toLowerCase(Locale.ROOT).strip();
    return m.startsWith("execution reverted") || EVM_HALT.matcher(m).matches() || m.equals("out of gas")
        || m.startsWith("invalid opcode") || m.equals("stack underflow") || m.equals("stack overflow")
        || m.startsWith("stack underflow (") || m.startsWith("stack limit reached");
  }

  private Object result(String method, JsonArray params) throws Unavailable {
    JsonObject answer = send(method, params);
    if (answer.getValue("error") != null) {
      throw new Unavailable(method + " failed at the node");
    }
    return answer.getValue("result");
  }

  private JsonObject send(String method, JsonArray params) throws Unavailable {
    JsonObject body = new JsonObject().put("jsonrpc", "2.0").put("id", ids.incrementAndGet()).put("method", method)
        .put("params", params);
    HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build();
    try {
      HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      byte[] bytes;
      try (InputStream in = response.body()) {
        bytes = in.readNBytes(MAX_ANSWER_BYTES + 1);
      }
      if (response.statusCode() != 200) {
        throw new Unavailable(method + ": the RPC answered HTTP " + response.statusCode());
      }
      if (bytes.length > MAX_ANSWER_BYTES) {
        throw new Unavailable(method + ": the RPC's answer exceeds " + MAX_ANSWER_BYTES + " bytes");
      }
      return new JsonObject(new String(bytes, StandardCharsets.UTF_8));
    } catch (DecodeException | ClassCastException e) {
      throw new Unavailable(method + ": the RPC's answer is not JSON-RPC", e);
    } catch (IOException e) {
      throw new Unavailable(method + ": the RPC did not answer (" + e.getClass().getSimpleName() + ")", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable(method + ": interrupted", e);
    }
  }

  private static long quantity(Object value, String what) throws Unavailable {
    if (!(value instanceof String s) || !s.matches("0x[0-9a-fA-F]{1,16}")) {
      throw new Unavailable(what + ": the RPC answered no quantity");
    }
    BigInteger v = new BigInteger(s.substring(2), 16);
    if (v.bitLength() > 63) {
      throw new Unavailable(what + ": out of range");
    }
    return v.longValue();
  }
}
