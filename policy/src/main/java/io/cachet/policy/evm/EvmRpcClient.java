package io.cachet.policy.evm;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

/**
 * The one way the writing side (transactions, deployment, registry reads) reaches an EVM chain's
 * JSON-RPC through web3j: with timeouts, and with every answer read within a cap, so an RPC that
 * answers endlessly cannot exhaust memory (the bounded-reads rule every peer answer follows).
 */
public final class EvmRpcClient {
  /** Largest JSON-RPC answer read; a policy's member page or a receipt is far below it. */
  public static final long MAX_ANSWER_BYTES = 8L << 20;

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

  private EvmRpcClient() {}

  /** A web3j client of {@code rpcUrl}; the caller shuts it down. */
  public static Web3j connect(URI rpcUrl) {
    OkHttpClient http = new OkHttpClient.Builder()
        .connectTimeout(CONNECT_TIMEOUT)
        .callTimeout(CALL_TIMEOUT)
        .addInterceptor(chain -> capped(chain.proceed(chain.request())))
        .build();
    return Web3j.build(new HttpService(rpcUrl.toString(), http));
  }

  /** Refuses an answer longer than the cap, having buffered at most the cap and one byte of it. */
  private static Response capped(Response response) throws IOException {
    if (response.body() != null && response.peekBody(MAX_ANSWER_BYTES + 1).contentLength() > MAX_ANSWER_BYTES) {
      response.close();
      throw new IOException("the EVM RPC answered more than " + MAX_ANSWER_BYTES + " bytes; refusing to read it");
    }
    return response;
  }
}
