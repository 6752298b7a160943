package io.cachet.cli.blob.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cachet.cli.UsageException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A share token as {@code cachet get} reads it: text a person pasted from anywhere. Text that
 * looks like a token either decodes, to a token that encodes and decodes to itself, or is refused
 * with a {@link UsageException} (exit code 2 and a hint). Seeds: {@code ShareTokenFuzzTestInputs/}.
 *
 * <p>{@code ShareToken} is package-private to the blob commands; it is reached by reflection
 * rather than widened for a test.
 */
class ShareTokenFuzzTest {
  /** What every share token starts with ({@code ShareToken.PREFIX}). */
  private static final String PREFIX = "cachet1.";

  private static final Class<?> TOKEN = tokenClass();
  private static final Method LOOKS_LIKE = method("looksLikeToken", String.class);
  private static final Method DECODE = method("decode", String.class);
  private static final Method ENCODE = method("encode");

  /**
   * Feeds the input twice: as the pasted text, and as the JSON inside a well-formed token, since
   * base64 hides the JSON from the fuzzer's byte-level mutations.
   */
  @FuzzTest(maxDuration = "60s")
  void decode_anyText_givesTokenOrUsageException(byte[] input) throws Throwable {
    decodeAndReencode(new String(input, StandardCharsets.UTF_8));
    decodeAndReencode(PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(input));
  }

  private static void decodeAndReencode(String text) throws Throwable {
    if (!(boolean) call(LOOKS_LIKE, null, text)) {
      return;
    }
    Object token;
    try {
      token = call(DECODE, null, text);
    } catch (UsageException refused) {
      return;
    }
    String again = (String) call(ENCODE, token);
    assertThat(call(DECODE, null, again)).as("a decoded token encodes to itself").isEqualTo(token);
  }

  private static Object call(Method m, Object target, Object... args) throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static Class<?> tokenClass() {
    try {
      return Class.forName("io.cachet.cli.blob.ShareToken");
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Method method(String name, Class<?>... parameters) {
    try {
      Method m = TOKEN.getDeclaredMethod(name, parameters);
      m.setAccessible(true);
      return m;
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(e);
    }
  }
}
