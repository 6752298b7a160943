package io.cachet.cli.contact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.Cachet;
import io.cachet.cli.ExitCodes;
import io.cachet.cli.Invocation;
import io.cachet.cli.UsageException;
import io.cachet.crypto.Address;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code contacts.json}: bounded, checked on read, and changed by one writer at a time. */
class ContactStoreTest {
  /** Contacts each of the two concurrent writers adds. */
  private static final int PER_WRITER = 15;

  @TempDir Path home;

  private static String address(int i) {
    return "0x" + String.format("%064x", i + 1);
  }

  /** One {@code cachet contact add} as the agent runs it: its own {@link Invocation} on a thread of one JVM. */
  private int add(String name, String address) throws Exception {
    Invocation run = new Invocation(Map.of("CACHET_HOME", home.toString(), "HOME", home.toString()), home,
        new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(), new PrintStream(new ByteArrayOutputStream()),
        false);
    return Invocation.call(run, () -> Cachet.newCommandLine(new PrintWriter(new StringWriter()),
        new PrintWriter(new StringWriter())).execute("contact", "add", name, address));
  }

  @Test
  void contactAdd_twoRunsAtOnceInOneJvm_bothLand() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CyclicBarrier together = new CyclicBarrier(2);
      List<Future<Void>> writers = new ArrayList<>();
      for (String who : List.of("a", "b")) {
        writers.add(pool.submit(() -> {
          for (int i = 0; i < PER_WRITER; i++) {
            together.await(60, TimeUnit.SECONDS);
            assertThat(add(who + i, address(i))).isEqualTo(ExitCodes.OK);
          }
          return null;
        }));
      }
      for (Future<Void> w : writers) {
        w.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(new ContactStore(home).list()).as("no add lost another's").hasSize(2 * PER_WRITER);
  }

  @Test
  void list_aFileOverTheCap_isAClearError_notReadWhole() throws Exception {
    ContactStore store = new ContactStore(home);
    Files.writeString(store.file(), "{\"format\":\"cachet-contacts/1\",\"contacts\":{}}" + " ".repeat(
        ContactStore.MAX_FILE_BYTES));
    assertThatThrownBy(store::list).isInstanceOf(UsageException.class).hasMessageContaining("larger than 4 MiB")
        .hasMessageContaining("fix or remove it");
  }

  @Test
  void put_thatWouldGrowTheFileOverTheCap_isRefused_andTheFileIsKept() throws Exception {
    ContactStore store = new ContactStore(home);
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode().put("format", ContactStore.FORMAT);
    ObjectNode contacts = root.putObject("contacts");
    // written as the store writes it, with as many contacts of the longest name as fit: each adds the same bytes
    contacts.put(String.format("c%031d", 0), Address.parse(address(0)).toString());
    int one = size(mapper, root);
    contacts.put(String.format("c%031d", 1), Address.parse(address(1)).toString());
    int each = size(mapper, root) - one;
    int n = 1 + (ContactStore.MAX_FILE_BYTES - one) / each;
    for (int i = 2; i < n; i++) {
      contacts.put(String.format("c%031d", i), Address.parse(address(i)).toString());
    }
    assertThat(size(mapper, root)).isLessThanOrEqualTo(ContactStore.MAX_FILE_BYTES)
        .isGreaterThan(ContactStore.MAX_FILE_BYTES - each);
    Files.write(store.file(), mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    byte[] before = Files.readAllBytes(store.file());
    assertThat(store.list()).hasSize(n);
    Address another = Address.parse(address(n));
    assertThatThrownBy(() -> store.put("x".repeat(32), another)).isInstanceOf(UsageException.class)
        .hasMessageContaining("would be larger than");
    assertThat(Files.readAllBytes(store.file())).isEqualTo(before);
  }

  private static int size(ObjectMapper mapper, ObjectNode root) throws Exception {
    return mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(root).length;
  }

  @Test
  void list_aNameCheckNameRefuses_isAClearError() throws Exception {
    ContactStore store = new ContactStore(home);
    Files.writeString(store.file(), "{\"format\":\"cachet-contacts/1\",\"contacts\":{\"Bob\\u001b[31m\":\""
        + address(1) + "\"}}");
    assertThatThrownBy(store::list).isInstanceOf(UsageException.class)
        .hasMessageContaining("holds a name that is not usable, 'Bob?[31m'").hasMessageContaining("fix or remove it");
  }
}
