package io.cachet.cli.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachet.cli.CommandRun;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.TestIdentities;
import io.cachet.common.process.PartProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A network laid out by {@link NetworkLayout}, every part its own OS process from the files the
 * operator's commands made: it serves a put, a grant and a get, and a layout read back names the
 * same parts.
 */
class NetworkLayoutTest {
  private static final Duration START = Duration.ofMinutes(3);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path tmp;

  private final List<PartProcess> running = new ArrayList<>();

  @AfterEach
  void stopAll() throws Exception {
    for (PartProcess p : running) {
      p.close();
    }
  }

  @Test
  void everyPartItsOwnProcess_putGrantGet() throws Exception {
    NetworkLayout layout = NetworkLayout.create(tmp.resolve("net"), NetworkLayout.Shape.small(), Map.of());
    for (NetworkLayout.Part p : layout.parts()) {
      PartProcess process = PartProcess.start(p.name(), p.launch("256m", Map.of()));
      running.add(process);
      process.awaitLine(Pattern.compile("event=\\w+_serving"), START);
    }
    layout.writeDescriptor();
    JsonNode descriptor = JSON.readTree(layout.descriptorFile().toFile());
    assertThat(descriptor.path("keyServers").path("servers")).hasSize(3);
    assertThat(descriptor.path("ledger").path("genesisDigest").asText()).isEqualTo(layout.genesisDigest());

    Path home = tmp.resolve("home");
    Path pass = tmp.resolve("pass.txt");
    Files.writeString(pass, "a passphrase for the test\n");
    for (String who : List.of("alice", "bob")) {
      TestIdentities.ed25519(home, who, pass);
    }
    String net = layout.descriptorFile().toString();
    CommandRun create = as(home, pass, "alice", "policy", "create", "--network", net);
    assertThat(create.exit()).as(create.err()).isZero();
    String policy = create.out().trim();
    assertThat(as(home, pass, "alice", "policy", "grant", policy, "bob", "--network", net).exit()).isZero();
    byte[] data = new byte[300_000];
    new Random(7).nextBytes(data);
    Path file = tmp.resolve("data.bin");
    Files.write(file, data);
    CommandRun put = as(home, pass, "alice", "put", file.toString(), "--policy", policy, "--network", net, "--json");
    assertThat(put.exit()).as(put.err()).isZero();
    String blob = JSON.readTree(put.out()).path("blobId").asText();
    Path out = tmp.resolve("back.bin");
    CommandRun get = as(home, pass, "bob", "get", blob, "-o", out.toString(), "--network", net);
    assertThat(get.exit()).as(get.err()).isEqualTo(ExitCodes.OK);
    assertThat(Files.readAllBytes(out)).isEqualTo(data);

    for (PartProcess p : running) {
      assertThat(p.terminate(START)).as(p.name() + " stops on SIGTERM with exit 0").isZero();
    }
    NetworkLayout again = NetworkLayout.open(layout.dir());
    assertThat(again.parts()).isEqualTo(layout.parts());
    assertThat(again.auditLog("ks-2")).exists();
  }

  @Test
  void layout_secretsOwnerOnly_frontsNamedInUrls() throws Exception {
    NetworkLayout layout = NetworkLayout.create(tmp.resolve("net"), NetworkLayout.Shape.small(),
        Map.of("ledger", 1111, "node-1", 2222));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(layout.dir().resolve("secrets/ks-1.pass"))))
        .isEqualTo("rw-------");
    assertThat(layout.part("ledger").url()).isEqualTo("http://127.0.0.1:1111");
    assertThat(Files.readString(layout.part("ks-1").config())).contains("ledger-url = http://127.0.0.1:1111");
    assertThat(Files.readString(layout.storageNetwork())).contains("http://127.0.0.1:2222");
    assertThat(Files.readString(layout.part("node-1").config())).contains("port = " + layout.part("node-1").port());
    assertThat(layout.part("node-0").url()).isEqualTo(layout.part("node-0").directUrl());
  }

  @Test
  void create_intoADirectoryThatHoldsFiles_refused() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("full"));
    Files.writeString(dir.resolve("x"), "x");
    assertThatThrownBy(() -> NetworkLayout.create(dir, NetworkLayout.Shape.small(), Map.of()))
        .hasMessageContaining("not empty");
    assertThatThrownBy(() -> NetworkLayout.create(tmp.resolve("other"), NetworkLayout.Shape.small(),
        Map.of("ks-9", 1))).hasMessageContaining("ks-9");
  }

  private static CommandRun as(Path home, Path pass, String who, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--as", who, "--passphrase-file", pass.toString(), "--home", home.toString()));
    return CommandRun.of(all.toArray(String[]::new));
  }
}
