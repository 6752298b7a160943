package io.cachet.storage.walrus.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cachet.storage.StorageException;
import io.cachet.storage.StoreResult;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * What a Walrus publisher or aggregator answers, as the Walrus client reads it: a store answer
 * ({@code newlyCreated}, {@code alreadyCertified}, which is also how the blob's certified status
 * reaches us, {@code markedInvalid}, {@code error}) on a 2xx, and an error body on anything else.
 * Documented: a store answer gives a result or a {@link StorageException}; an error body always
 * gives a {@link StorageException} and never throws; a message quotes at most a bounded, printable
 * part of the body. Seeds: {@code WalrusAnswersFuzzTestInputs/}.
 *
 * <p>{@code WalrusAnswers} is package-private to the Walrus client; it is reached by reflection
 * rather than widened for a test.
 */
class WalrusAnswersFuzzTest {
  /** Statuses whose error bodies are read differently (413 also parses a size out of text). */
  private static final int[] ERROR_STATUSES = {400, 404, 413, 429, 451, 500, 503};

  /** Longest message a quoted body may make: the quote limit plus the fixed words around it. */
  private static final int MAX_MESSAGE_CHARS = 2_000;

  private static final Class<?> ANSWERS = answersClass();
  private static final Method STORE_RESULT = method("storeResult", int.class, byte[].class, long.class);
  private static final Method FAILURE = method("failure", int.class, byte[].class, boolean.class, String.class);

  @FuzzTest(maxDuration = "60s")
  void answers_anyBody_giveResultOrStorageException(byte[] input) throws Throwable {
    for (long sent : new long[] {-1, input.length}) {
      try {
        StoreResult result = (StoreResult) call(STORE_RESULT, 200, input, sent);
        assertThat(result).isNotNull();
        assertThat(result.blobId()).isNotNull();
      } catch (StorageException refused) {
        assertThat(refused.getMessage()).hasSizeLessThan(MAX_MESSAGE_CHARS).doesNotContain("\n", "\r");
      }
    }
    for (int status : ERROR_STATUSES) {
      for (boolean truncated : new boolean[] {false, true}) {
        StorageException e = (StorageException) call(FAILURE, status, input, truncated, "store");
        assertThat(e).isNotNull();
        assertThat(e.reason()).isNotNull();
        assertThat(e.getMessage()).hasSizeLessThan(MAX_MESSAGE_CHARS).doesNotContain("\n", "\r");
      }
    }
  }

  private static Object call(Method m, Object... args) throws Throwable {
    try {
      return m.invoke(null, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static Class<?> answersClass() {
    try {
      return Class.forName("io.cachet.storage.walrus.WalrusAnswers");
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Method method(String name, Class<?>... parameters) {
    try {
      Method m = ANSWERS.getDeclaredMethod(name, parameters);
      m.setAccessible(true);
      return m;
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(e);
    }
  }
}
