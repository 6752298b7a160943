package io.cachet.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.cli.ExitCodes;
import io.cachet.common.config.ConfigException;
import io.cachet.common.config.PortInUseException;
import io.cachet.common.config.StartupChecks;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** A refused configuration exits 2 for every part, a port in use 4: mapped once, in ExitCodes. */
class ConfigExitCodesTest {
  @Test
  void refusedConfiguration_exitsTwo() {
    assertThat(ExitCodes.of(new ConfigException("port (from --set port) must be 0..65535"))).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void portHeldByAnotherProcess_exitsFour() throws Exception {
    try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      PortInUseException busy = null;
      try {
        StartupChecks.portFree("127.0.0.1", held.getLocalPort(), "port");
      } catch (PortInUseException e) {
        busy = e;
      }
      assertThat(busy).as("the check refuses a held port").isNotNull();
      assertThat(ExitCodes.of(busy)).isEqualTo(ExitCodes.IO);
    }
  }
}
