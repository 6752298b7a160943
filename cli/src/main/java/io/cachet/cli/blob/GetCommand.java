package io.cachet.cli.blob;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.Connection;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Ids;
import io.cachet.cli.Invocation;
import io.cachet.cli.Json;
import io.cachet.cli.PartsListening;
import io.cachet.cli.Progress;
import io.cachet.cli.UsageException;
import io.cachet.cli.agent.InAgent;
import io.cachet.client.CachetClient;
import io.cachet.client.ClientConfig;
import io.cachet.storage.BlobId;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code cachet get}: fetch, verify and decrypt. The plaintext goes to a temporary file beside the
 * target and replaces it only once every byte was authenticated and fsynced, so a refused or
 * broken read leaves no partial plaintext and an existing file untouched. A share token is opened
 * on the reader's own network; one naming another is refused unless trusted ({@link TokenNetwork}).
 */
@Command(name = "get", description = {"Fetch a blob, get its key from the key servers, verify and decrypt it.",
    "BLOB is a blob id or a share token from 'cachet share'; the key servers release the key only if the policy"
        + " lets you. The plaintext goes to FILE once every byte is authenticated. A share token is opened on your"
        + " own network; one that names another network is refused, naming the difference, unless you add"
        + " --trust-token-network."},
    footer = {"", "Examples:", "  cachet get 3h9wJArxUnNIT0ShAFM6Zg6JU5GOgr4bTSwfPUV0eSc -o report.pdf",
        "  cachet get cachet1.eyJibG9i... -o report.pdf --as bob",
        "  cachet get 3h9wJArx... -o part.bin --range 1048576-2097151",
        "  cachet get 3h9wJArx... -o - | less",
        "  # only for a network you trust:",
        "  cachet get cachet1.eyJibG9i... -o report.pdf --trust-token-network"})
public final class GetCommand implements Callable<Integer> {
  private static final Pattern RANGE = Pattern.compile("(\\d{1,19})-(\\d{0,19})");
  /** Reason code of {@code -o -} with {@code --json}: stdout cannot carry both the plaintext and a document. */
  static final String CONFLICTING_OPTIONS = "CONFLICTING_OPTIONS";

  @Spec CommandSpec spec;
  @Mixin Connection connection;
  @Mixin Progress progress;

  @Parameters(paramLabel = "BLOB", description = "A blob id, or a share token (cachet1.…).")
  String blob;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "Where to write the plaintext; - for stdout.")
  String output;

  @Option(names = "--range", paramLabel = "A-B", description = "Only plaintext bytes A to B, inclusive (B empty: to the end).")
  String range;

  @Option(names = "--trust-token-network", description = "Open a share token on the network it names even where that differs from"
      + " yours (its ledger, key servers and keys become trusted for this read).")
  boolean trustTokenNetwork;

  @Option(names = "--json", description = "Print JSON (not with -o -, where stdout carries the plaintext).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (json && output.equals("-")) {
      // refused before anything is fetched: the plaintext and a JSON document would share stdout
      throw new UsageException(CONFLICTING_OPTIONS, "-o - (the plaintext to stdout) cannot be combined with --json",
          "Write the plaintext to a file with -o FILE to get a JSON answer, or leave out --json.");
    }
    BlobId id;
    ClientConfig config;
    List<String> warnings = new ArrayList<>();
    if (ShareToken.looksLikeToken(blob)) {
      ShareToken token = ShareToken.decode(blob);
      id = Ids.blob(token.blobId());
      TokenNetwork.Choice choice = TokenNetwork.choose(token, connection, trustTokenNetwork);
      config = choice.config();
      if (choice.tokens()) {
        warnings.add("trusting the share token's network (ledger '" + config.ledgerId() + "' at " + config.chainWhere()
            + "), as --trust-token-network asks: " + String.join("; ", choice.differences()));
      }
    } else {
      id = Ids.blob(blob);
      config = connection.config();
    }
    warnings.forEach(w -> spec.commandLine().getErr().println("cachet: warning: " + w));
    long[] r = range == null ? null : parseRange(range);
    CipherWarmup.start();
    long written;
    PartsListening.require(config.aggregator());
    try (CachetClient client = connection.connect(config)) {
      long total = client.header(id).plaintextLength();
      long from = r == null ? 0 : r[0];
      long to = r == null ? total : Math.min(total, r[1] == Long.MAX_VALUE ? total : r[1] + 1);
      if (from > total || (r != null && from >= to && total > 0)) {
        throw new UsageException("range " + range + " is outside the file's " + total + " bytes");
      }
      long length = to - from;
      try (InputStream plain = progress.wrap(r == null ? client.open(id) : client.open(id, from, length), "get",
          length, json || output.equals("-"))) {
        written = output.equals("-") ? copy(plain, Invocation.current().out())
            : writeReplacing(plain, Invocation.current().resolve(output));
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode o = Json.object();
      o.put("blobId", id.toString());
      o.put("output", Invocation.current().resolve(output).toString());
      o.put("bytes", written);
      ArrayNode w = o.putArray("warnings");
      warnings.forEach(w::add);
      Json.print(out, o);
    } else if (!output.equals("-")) {
      out.println("wrote " + written + " bytes to " + output);
    }
    return ExitCodes.OK;
  }

  static long[] parseRange(String text) {
    Matcher m = RANGE.matcher(text);
    if (!m.matches()) {
      throw new UsageException("--range is A-B (bytes A to B inclusive) or A- (A to the end); got '" + text + "'");
    }
    try {
      long a = Long.parseLong(m.group(1));
      long b = m.group(2).isEmpty() ? Long.MAX_VALUE : Long.parseLong(m.group(2));
      if (b < a) {
        throw new UsageException("--range " + text + " ends before it starts");
      }
      return new long[] {a, b};
    } catch (NumberFormatException e) {
      throw new UsageException("--range " + text + " is out of range");
    }
  }

  private static long copy(InputStream in, OutputStream out) throws IOException {
    long n = in.transferTo(out);
    out.flush();
    return n;
  }

  private static long writeReplacing(InputStream in, Path target) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".part");
    boolean done = false;
    try {
      long n;
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        n = in.transferTo(Channels.newOutputStream(ch));
        ch.force(true);
      }
      // a caller that hung up (Ctrl-C on an agent's command) must not find its file replaced later
      InAgent.stopIfCallerLeft();
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      done = true;
      return n;
    } finally {
      if (!done) {
        Files.deleteIfExists(tmp);
      }
    }
  }
}
