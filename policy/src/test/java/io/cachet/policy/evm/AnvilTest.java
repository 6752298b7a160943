package io.cachet.policy.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

class AnvilTest {
  @Test
  void start_answersChainId_andStopsByPidLeavingNoProcess() throws Exception {
    long pid;
    try (Anvil anvil = Anvil.start(Anvil.Options.defaults().withChainId(4242))) {
      pid = anvil.pid();
      Web3j web3j = Web3j.build(new HttpService(anvil.rpcUrl().toString()));
      try {
        assertEquals(4242, web3j.ethChainId().send().getChainId().longValueExact());
      } finally {
        web3j.shutdown();
      }
      assertTrue(anvil.rpcUrl().getHost().equals("127.0.0.1"), anvil.rpcUrl().toString());
    }
    Optional<ProcessHandle> left = ProcessHandle.of(pid);
    if (left.isPresent()) {
      left.get().onExit().get(30, TimeUnit.SECONDS);
    }
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "anvil " + pid + " still runs");
  }

  @Test
  void start_missingBinary_namesNpmCi(@TempDir Path dir) {
    IOException e = assertThrows(IOException.class,
        () -> Anvil.start(dir.resolve("anvil"), Anvil.Options.defaults()));
    assertTrue(e.getMessage().contains("npm ci"), e.getMessage());
  }
}
