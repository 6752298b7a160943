package io.cachet.cli.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.UsageException;
import io.cachet.client.ClientConfig;
import io.cachet.common.config.ConfigException;
import io.cachet.common.config.Settings;
import io.cachet.common.http.BoundedBody;
import io.cachet.common.http.Endpoints;
import io.cachet.common.io.DurableFiles;
import io.cachet.crypto.CachetSecurityException;
import io.cachet.crypto.FormatException;
import io.cachet.crypto.VerifyingKey;
import io.cachet.crypto.protocol.ServiceDescriptor;
import io.cachet.policy.LedgerRef;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cachet network descriptor}: writes the network descriptor clients read
 * ({@code cachet-network.json}, docs/CLIENT.md) from the running parts themselves: the ledger's id,
 * sequencer key and genesis digest from its {@code GET /v1/head}, and each key server's id and
 * signing key from its {@code GET /v1/service}, whose proof of possession must verify. With
 * {@code --ledger-lines} the ledger's answer must match the lines {@code cachet ledger init}
 * printed, so the ledger's trust anchor comes from the operator's own file, not from the network.
 * The document is checked by the client's own reader before it is written, so a file this command
 * writes is one every client takes.
 */
@Command(name = "descriptor", description = {"Write the network descriptor clients read, from the running parts.",
    "Asks the ledger (GET /v1/head) and each key server (GET /v1/service, its proof of possession checked) for"
        + " their keys, and writes cachet-network.json with the gateway as publisher and aggregator."},
    footer = {"", "Exit codes: 0 written, 2 a bad option,",
        "3 a forged key server or a ledger other than --ledger-lines names,",
        "4 a part could not be reached or the file could not be written.",
        "", "Example:", "  cachet network descriptor --ledger-url http://127.0.0.11:7300 \\",
        "      --ledger-lines ledger.lines --threshold 2 \\",
        "      --gateway-url http://127.0.0.11:7500 -o cachet-network.json \\",
        "      --key-server http://127.0.0.11:7400 http://127.0.0.12:7400 \\",
        "      --key-server http://127.0.0.13:7400"})
public final class NetworkDescriptorCommand implements Callable<Integer> {
  /** Reason code of a ledger whose answer differs from the lines {@code ledger init} printed. */
  static final String WRONG_LEDGER = "WRONG_LEDGER";
  /** Reason code of two key servers answering under one id. */
  static final String DUPLICATE_KEY_SERVER = "DUPLICATE_KEY_SERVER";
  /** Longest a part may take to take the connection and answer: both answers are small and immediate. */
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);
  /** Most bytes of a head or service answer read: they are a few hundred. */
  private static final long MAX_ANSWER_BYTES = 64 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Every line {@code ledger init} prints; a client needs the first three. */
  private static final List<String> INIT_KEYS = List.of("ledger-id", "sequencer-key", "genesis-digest",
      "sequencer-address", "sequencer-keystore");

  @Spec
  CommandSpec spec;

  @Option(names = "--ledger-url", required = true, paramLabel = "URL",
      description = "The ledger's URL, as clients reach it.")
  String ledgerUrl;

  @Option(names = "--ledger-lines", required = true, paramLabel = "FILE", description = "The lines 'cachet ledger"
      + " init' printed; the ledger's id, sequencer key and genesis digest must be these (exit 3, WRONG_LEDGER, if"
      + " not). Required: they are the clients' trust anchors, never taken from whatever answers at --ledger-url.")
  Path ledgerLines;

  @Option(names = "--key-server", required = true, arity = "1..*", paramLabel = "URL",
      description = "Each key server's URL, as clients reach it.")
  List<String> keyServerUrls;

  @Option(names = "--threshold", required = true, paramLabel = "T",
      description = "How many key servers must release a share (1..number of key servers).")
  int threshold;

  @Option(names = "--gateway-url", required = true, paramLabel = "URL",
      description = "The storage gateway (publisher and aggregator), as clients reach it.")
  String gatewayUrl;

  @Option(names = "--epochs", defaultValue = "5", paramLabel = "N",
      description = "Epochs a put stores for unless told. Default: ${DEFAULT-VALUE}.")
  int epochs;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE",
      description = "Where to write the descriptor (replaced atomically if it exists).")
  Path output;

  @Option(names = "--json", description = "Print JSON: file, ledgerId, genesisDigest, sequencerKey, keyServers.")
  boolean json;

  @Override
  public Integer call() throws IOException, InterruptedException, CachetSecurityException {
    URI ledger = url("--ledger-url", ledgerUrl);
    URI gateway = url("--gateway-url", gatewayUrl);
    if (threshold < 1 || threshold > keyServerUrls.size()) {
      throw new UsageException("--threshold must be 1.." + keyServerUrls.size() + " (one per --key-server), was "
          + threshold);
    }
    if (epochs < 1) {
      throw new UsageException("--epochs must be at least 1, was " + epochs);
    }
    Map<String, String> expected = initLines(ledgerLines);
    ClientConfig.Builder descriptor = ClientConfig.builder()
        .threshold(threshold).storage(gateway, gateway).defaultEpochs(epochs);
    try {
      descriptor.ledger(ledger, expected.get("ledger-id"), VerifyingKey.parse(expected.get("sequencer-key")))
          .genesisDigest(LedgerRef.parseGenesisDigest(expected.get("genesis-digest"), "genesis-digest"));
    } catch (FormatException e) {
      throw new UsageException("--ledger-lines " + ledgerLines + ": " + e.getMessage()
          + "; give the file 'cachet ledger init' printed");
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(ANSWER_TIMEOUT).build();
    checkLedger(http, ledger, expected);
    Set<String> ids = new HashSet<>();
    for (String u : keyServerUrls) {
      URI url = url("--key-server", u);
      ServiceDescriptor service = service(http, url);
      if (!ids.add(service.serverId())) {
        throw new CachetSecurityException(DUPLICATE_KEY_SERVER, "two key servers answer as '" + service.serverId()
            + "' (the second at " + Endpoints.where(url) + "); each needs its own server-id");
      }
      descriptor.keyServer(service.serverId(), url, service.verifyingKey());
    }
    ClientConfig written = descriptor.build();
    DurableFiles.write(output.toAbsolutePath(), written.toJson().getBytes(StandardCharsets.UTF_8), false);
    tell(written);
    return ExitCodes.OK;
  }
  private static URI url(String option, String value) {
    URI u;
    try {
      u = URI.create(value);
    } catch (IllegalArgumentException e) {
      throw new UsageException(option + " " + value + " is not a URL");
    }
    if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
      throw new UsageException(option + " " + value + " is not http://HOST:PORT");
    }
    return u;
  }

  /** The {@code key = value} lines {@code ledger init} printed; the three a client needs must be there. */
  private static Map<String, String> initLines(Path file) throws IOException {
    Settings lines;
    try {
      lines = Settings.parse("ledger-lines", INIT_KEYS, Files.readString(file, StandardCharsets.UTF_8),
          "--ledger-lines " + file);
    } catch (ConfigException e) {
      throw new UsageException(e.getMessage() + "; give the file 'cachet ledger init' printed");
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (String key : List.of("ledger-id", "sequencer-key", "genesis-digest")) {
      try {
        values.put(key, lines.required(key));
      } catch (ConfigException e) {
        throw new UsageException("--ledger-lines " + file + " has no '" + key + " = …' line; give the file"
            + " 'cachet ledger init' printed");
      }
    }
    return values;
  }

  /** The ledger at {@code ledger} must be the one {@code ledger init} made: its head names the same three values. */
  private static void checkLedger(HttpClient http, URI ledger, Map<String, String> expected)
      throws IOException, InterruptedException, CachetSecurityException {
    JsonNode head = JSON.readTree(get(http, ledger, "/v1/head", "the ledger"));
    Map<String, String> answered = Map.of("ledger-id", head.path("ledgerId").asText(""),
        "sequencer-key", head.path("sequencerKey").asText(""), "genesis-digest", head.path("genesisDigest").asText(""));
    if (answered.containsValue("")) {
      throw new FormatException("the ledger at " + Endpoints.where(ledger) + " answered /v1/head without ledgerId,"
          + " sequencerKey and genesisDigest; is it a Cachet ledger?");
    }
    for (Map.Entry<String, String> e : answered.entrySet()) {
      if (!e.getValue().equals(expected.get(e.getKey()))) {
        throw new CachetSecurityException(WRONG_LEDGER, "the ledger at " + Endpoints.where(ledger) + " has "
            + e.getKey() + " " + e.getValue() + ", but the ledger's init lines say " + expected.get(e.getKey())
            + "; is --ledger-url this ledger?");
      }
    }
  }

  /** A key server's service descriptor, its proof of possession verified. */
  private static ServiceDescriptor service(HttpClient http, URI url)
      throws IOException, InterruptedException, CachetSecurityException {
    ServiceDescriptor service = ServiceDescriptor.fromJson(get(http, url, "/v1/service", "the key server"));
    service.verify();
    return service;
  }

  private static String get(HttpClient http, URI base, String route, String part)
      throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(Endpoints.under(base, route)).timeout(ANSWER_TIMEOUT).GET().build();
    HttpResponse<byte[]> answer;
    try {
      answer = BoundedBody.send(http, request, part + "'s " + route, MAX_ANSWER_BYTES);
    } catch (IOException e) {
      throw new IOException("cannot reach " + part + " at " + Endpoints.where(base) + " (" + e.getMessage()
          + "); is it serving?", e);
    }
    if (answer.statusCode() != 200) {
      throw new IOException(part + " at " + Endpoints.where(base) + " answered " + route + " with HTTP "
          + answer.statusCode());
    }
    return new String(answer.body(), StandardCharsets.UTF_8);
  }

  private void tell(ClientConfig written) {
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode doc = JSON.createObjectNode();
      doc.put("file", output.toAbsolutePath().toString());
      doc.put("ledgerId", written.ledgerId());
      doc.put("sequencerKey", written.sequencerKey().toString());
      doc.put("genesisDigest", "0x" + HexFormat.of().formatHex(written.genesisDigest()));
      ArrayNode servers = doc.putArray("keyServers");
      for (ClientConfig.KeyServer k : written.keyServers()) {
        servers.addObject().put("id", k.id()).put("url", k.url().toString()).put("signingKey", k.signingKey().toString());
      }
      out.println(doc.toString());
    } else {
      out.println("Wrote " + output + " for ledger " + written.ledgerId() + " (genesis 0x"
          + HexFormat.of().formatHex(written.genesisDigest()) + ") and " + written.keyServers().size()
          + " key servers, " + written.threshold() + " needed:");
      for (ClientConfig.KeyServer k : written.keyServers()) {
        out.println("  " + k.id() + "  " + k.url() + "  signing key " + k.signingKey());
      }
      out.println("Hand it to every client: the keys in it are their trust anchors.");
    }
    out.flush();
  }
}
