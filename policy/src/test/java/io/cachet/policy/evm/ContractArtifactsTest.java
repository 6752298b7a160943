package io.cachet.policy.evm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The committed contract artifacts are exactly what the pinned solc-js makes of the committed sources. */
class ContractArtifactsTest {
  private static final String MAIN_ARTIFACT = "policy/src/main/resources/io/cachet/policy/evm/contracts.json";
  private static final String TEST_ARTIFACT = "policy/src/test/resources/io/cachet/policy/evm/test-contracts.json";

  @Test
  void stockArtifact_equalsFreshCompile() throws Exception {
    assertFresh("policy/src/main/solidity", MAIN_ARTIFACT);
  }

  @Test
  void testTokenArtifact_equalsFreshCompile() throws Exception {
    assertFresh("policy/src/test/solidity", TEST_ARTIFACT);
  }

  @Test
  void stockArtifact_holdsBothDeployableContracts() {
    assertTrue(Contracts.stock().artifact("CachetPolicies").bytecode().length() > 2);
    assertTrue(Contracts.stock().artifact("BlobRegistry").bytecode().length() > 2);
    assertTrue(Contracts.stock().compiler().startsWith("0.8.37"), Contracts.stock().compiler());
  }

  private static void assertFresh(String sources, String artifact) throws Exception {
    Path root = EvmTestChain.repositoryRoot();
    Process p = new ProcessBuilder("node", "policy/tools/compile-contracts.cjs", sources)
        .directory(root.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the compile did not finish within 120 s");
    assertEquals(0, p.exitValue(), "the compile failed: run 'npm ci --ignore-scripts', then the command in"
        + " policy/tools/README.md");
    String fresh = new String(out.get(), StandardCharsets.UTF_8);
    String committed = Files.readString(root.resolve(artifact));
    assertEquals(fresh, committed, artifact + " is stale: regenerate it with 'node policy/tools/compile-contracts.cjs "
        + sources + " > " + artifact + "' (policy/tools/README.md)");
  }

  private static byte[] readAll(InputStream in) {
    try (in; ByteArrayOutputStream b = new ByteArrayOutputStream()) {
      in.transferTo(b);
      return b.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
