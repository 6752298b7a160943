package io.cachet.keyserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * web3j brings its own Bouncy Castle and, through its KMS signer, a second Netty; the parent pom
 * excludes both. A key server's classpath (it holds every module a key server runs with) must
 * hold one version of each, or two copies of a provider or of an event loop would meet at run time.
 * (netty-tcnative, the optional native TLS binding, is versioned on its own line and not counted.)
 */
class ClasspathTest {
  private static final Pattern JAR = Pattern.compile("(?:.*/)?([a-z0-9.-]+?)-([0-9][^/]*?)\\.jar");

  @Test
  void oneBouncyCastle_andOneNetty_onTheKeyServersClasspath() {
    List<String> jars = Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
    Map<String, Set<String>> versions = jars.stream()
        .map(JAR::matcher)
        .filter(Matcher::matches)
        .filter(m -> m.group(1).startsWith("bcprov") || m.group(1).startsWith("bcpkix") || m.group(1).startsWith("bcutil")
            || m.group(1).startsWith("netty-") && !m.group(1).startsWith("netty-tcnative"))
        .collect(Collectors.groupingBy(m -> m.group(1).startsWith("netty-") ? "netty" : "bouncycastle",
            Collectors.mapping(m -> m.group(2), Collectors.toCollection(TreeSet::new))));
    assertThat(versions.get("bouncycastle")).as("Bouncy Castle versions").containsExactly("1.86");
    assertThat(versions.get("netty")).as("Netty versions").hasSize(1);
    assertThat(jars).as("no AWS SDK (web3j's KMS signer)").noneMatch(j -> j.contains("software/amazon/awssdk"));
    assertThat(jars).as("no jnr-unixsocket").noneMatch(j -> j.contains("jnr-unixsocket"));
    assertThat(jars).as("web3j is there").anyMatch(j -> j.contains("org/web3j/core"));
  }
}
