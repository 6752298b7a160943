package io.cachet.cli.devnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachet.policy.evm.Anvil;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How '--chain evm' finds anvil in a checkout, installing it with npm on first use and never otherwise. */
class AnvilInstallTest {
  @TempDir Path checkout;
  private final StringWriter err = new StringWriter();

  @Test
  void ensure_withoutNpm_failsSayingToInstallNodeJs() {
    assertThatThrownBy(() -> AnvilInstall.ensure(new PrintWriter(err, true), checkout,
        checkout.resolve("no-such-npm").toString()))
        .isInstanceOf(IOException.class).hasMessageContaining("npm is needed").hasMessageContaining("install Node.js");
    assertThat(err.toString()).contains("npm ci --ignore-scripts");
  }

  @Test
  void ensure_whenNpmInstallsNoAnvil_failsNamingWhereItLooked() {
    assertThatThrownBy(() -> AnvilInstall.ensure(new PrintWriter(err, true), checkout, "true"))
        .isInstanceOf(IOException.class).hasMessageContaining("installed no anvil at " + Anvil.BINARY);
  }

  @Test
  void ensure_withAnvilInTheCheckout_returnsIt_withoutRunningNpm() throws Exception {
    Path binary = checkout.resolve(Anvil.BINARY);
    Files.createDirectories(binary.getParent());
    Files.writeString(binary, "#!/bin/sh\n");
    Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwx------"));
    assertThat(AnvilInstall.ensure(new PrintWriter(err, true), checkout, checkout.resolve("no-such-npm").toString()))
        .isEqualTo(binary);
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void ensure_outsideACheckout_failsSayingWhatToRun() {
    assertThatThrownBy(() -> AnvilInstall.ensure(new PrintWriter(err, true), null, "npm"))
        .isInstanceOf(IOException.class).hasMessageContaining("npm ci --ignore-scripts");
  }
}
