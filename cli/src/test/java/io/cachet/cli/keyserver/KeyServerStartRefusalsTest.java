package io.cachet.cli.keyserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.cli.CommandRun;
import io.cachet.cli.ExitCodes;
import io.cachet.crypto.Identity;
import io.cachet.keyserver.KeyServerConfig;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every start-up refusal of {@code cachet keyserver serve} and {@code rotate-key}: each names the
 * key to change and exits with the CLI's code, before a key is touched or a port bound. Run in
 * this JVM: a refused command returns before it would serve.
 */
class KeyServerStartRefusalsTest {
  private static final String PASSPHRASE = "correct horse battery staple";

  @TempDir Path dir;

  private Path data() {
    return dir.resolve("ks-1");
  }

  private Path passFile() {
    return dir.resolve("ks-1.pass");
  }

  /** A config whose every check passes, changed by {@code settings}; the data directory is made unless told not to. */
  private Path config(Map<String, String> settings, boolean makeDataDir) throws Exception {
    if (makeDataDir && !Files.exists(data())) {
      Files.createDirectory(data(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    if (!Files.exists(passFile())) {
      Files.writeString(passFile(), PASSPHRASE);
      Files.setPosixFilePermissions(passFile(), PosixFilePermissions.fromString("rw-------"));
    }
    Map<String, String> all = new HashMap<>(Map.of("port", "0", "kdf-memory", "8192", "kdf-iterations", "1",
        "passphrase-file", passFile().toString()));
    all.putAll(settings);
    KeyServerConfig c = KeyServerConfig.defaults("ks-1", data(), "http://127.0.0.1:9", "cachet-test",
        Identity.generate(new SecureRandom()).verifyingKey()).with(all);
    Path conf = dir.resolve("ks-1.conf");
    Files.writeString(conf, c.render());
    return conf;
  }

  private Path config() throws Exception {
    return config(Map.of(), true);
  }

  @Test
  void check_aSoundConfig_exitsZero_andStartsNothing() throws Exception {
    CommandRun r = CommandRun.of("keyserver", "serve", "--config", config().toString(), "--check");
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("ok: server ks-1 would start").contains("new keys");
    assertThat(data()).isEmptyDirectory();
  }

  @Test
  void serve_passphraseFileOpenToOthers_isRefusedNamingPassphraseFile() throws Exception {
    Path conf = config();
    Files.setPosixFilePermissions(passFile(), PosixFilePermissions.fromString("rw-r--r--"));
    CommandRun r = CommandRun.of("keyserver", "serve", "--config", conf.toString());
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("passphrase-file").contains("open to others").contains("chmod 600");
  }

  @Test
  void serveAndRotate_dataDirMissing_areRefusedNamingDataDir_andDoNotCreateIt() throws Exception {
    Path conf = config(Map.of(), false);
    for (String command : new String[] {"serve", "rotate-key"}) {
      CommandRun r = CommandRun.of("keyserver", command, "--config", conf.toString());
      assertThat(r.exit()).as(command).isEqualTo(ExitCodes.USAGE);
      assertThat(r.err()).contains("data-dir").contains("does not exist").contains("mkdir -m 700");
      assertThat(data()).doesNotExist();
    }
  }

  @Test
  void serve_keyFileOpenToOthers_isRefusedNamingIt() throws Exception {
    Path conf = config();
    assertThat(CommandRun.of("keyserver", "rotate-key", "--config", conf.toString()).exit()).isEqualTo(ExitCodes.OK);
    Files.setPosixFilePermissions(data().resolve("keys.json"), PosixFilePermissions.fromString("rw-r-----"));
    CommandRun r = CommandRun.of("keyserver", "serve", "--config", conf.toString(), "--check");
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("keys.json").contains("data-dir").contains("open to others");
  }

  @Test
  void serve_portInUse_isRefusedNamingPort_withExitIo() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Path conf = config(Map.of("port", Integer.toString(taken.getLocalPort())), true);
      CommandRun r = CommandRun.of("keyserver", "serve", "--config", conf.toString());
      assertThat(r.exit()).isEqualTo(ExitCodes.IO);
      assertThat(r.err()).contains("port").contains(Integer.toString(taken.getLocalPort()));
    }
  }

  @Test
  void serve_valueOutOfRange_isRefusedNamingTheKeyAndWhereItCameFrom() throws Exception {
    Path conf = config();
    CommandRun r = CommandRun.of("keyserver", "serve", "--config", conf.toString(), "--set", "worker-threads=999");
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("worker-threads must be 1..256").contains("--set worker-threads");
    Files.writeString(conf, Files.readString(conf).replace("request-window = 1m", "request-window = 2h"));
    CommandRun fromFile = CommandRun.of("keyserver", "serve", "--config", conf.toString());
    assertThat(fromFile.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(fromFile.err()).contains("request-window").contains(conf + " line");
  }

  @Test
  void check_wrongPassphrase_exitsRefused() throws Exception {
    Path conf = config();
    assertThat(CommandRun.of("keyserver", "rotate-key", "--config", conf.toString()).exit()).isEqualTo(ExitCodes.OK);
    Files.writeString(passFile(), "not the passphrase");
    CommandRun r = CommandRun.of("keyserver", "serve", "--config", conf.toString(), "--check");
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.REFUSED);
    assertThat(CommandRun.of("keyserver", "rotate-key", "--config", conf.toString()).exit()).isEqualTo(ExitCodes.REFUSED);
  }

  @Test
  void rotateKey_printsTheNewVersion_eachTime() throws Exception {
    Path conf = config();
    CommandRun first = CommandRun.of("keyserver", "rotate-key", "--config", conf.toString());
    assertThat(first.exit()).as(first.err()).isEqualTo(ExitCodes.OK);
    assertThat(first.out()).contains("rotated server=ks-1 version=2");
    assertThat(CommandRun.of("keyserver", "rotate-key", "--config", conf.toString(), "--json").out())
        .contains("\"version\" : 3");
    CommandRun check = CommandRun.of("keyserver", "serve", "--config", conf.toString(), "--check");
    assertThat(check.out()).contains("with 3 key version(s)");
  }

  @Test
  void verifyAudit_intactLogExitsZero_brokenLogExitsOne_missingLogExitsIo() throws Exception {
    Path conf = config();
    assertThat(CommandRun.of("keyserver", "rotate-key", "--config", conf.toString()).exit()).isEqualTo(ExitCodes.OK);
    Path log = data().resolve("audit.log");
    io.cachet.keyserver.audit.AuditLog.open(log, io.cachet.keyserver.audit.AuditLog.Fsync.COMMIT,
        java.time.Duration.ofSeconds(1), e -> { }).close();
    CommandRun ok = CommandRun.of("keyserver", "verify-audit", log.toString());
    assertThat(ok.exit()).as(ok.err()).isEqualTo(ExitCodes.OK);
    assertThat(ok.out()).startsWith("ok records=0");
    assertThat(CommandRun.of("keyserver", "verify-audit", log.toString(), "--json").out()).contains("\"ok\" : true")
        .contains("\"records\" : 0");
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
      f.seek(2);
      f.write('X');
    }
    CommandRun broken = CommandRun.of("keyserver", "verify-audit", log.toString());
    assertThat(broken.exit()).as(broken.err()).isEqualTo(ExitCodes.FAILED);
    assertThat(broken.err()).contains("is broken");
    assertThat(CommandRun.of("keyserver", "verify-audit", dir.resolve("nope.log").toString()).exit()).isEqualTo(ExitCodes.IO);
  }

  @Test
  void rotateKey_refusedConfiguration_reportsReasonBadConfig_underJson() throws Exception {
    Path conf = config();
    CommandRun r = CommandRun.of("keyserver", "rotate-key", "--config", conf.toString(), "--set", "worker-threads=999", "--json");
    assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.out()).contains("\"reason\" : \"BAD_CONFIG\"").contains("worker-threads");
    CommandRun missing = CommandRun.of("keyserver", "rotate-key", "--config", dir.resolve("nope.conf").toString(), "--json");
    assertThat(missing.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(missing.out()).contains("\"reason\" : \"BAD_CONFIG\"").contains("--config");
  }

  @Test
  void check_relativePathsInTheFile_areReadFromTheFilesDirectory() throws Exception {
    Path conf = config();
    // the same files named relative to the configuration's directory (the test's working directory is elsewhere)
    Files.writeString(conf, Files.readString(conf).replace("data-dir = " + data(), "data-dir = ks-1")
        .replace("passphrase-file = " + passFile(), "passphrase-file = ks-1.pass"));
    CommandRun r = CommandRun.of("keyserver", "serve", "--config", conf.toString(), "--check");
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
    CommandRun printed = CommandRun.of("keyserver", "serve", "--config", conf.toString(), "--print-config");
    assertThat(printed.out()).contains("data-dir = " + data().toAbsolutePath() + "\n");
  }
}
