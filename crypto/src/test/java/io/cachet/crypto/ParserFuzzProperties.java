package io.cachet.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.cachet.crypto.protocol.FetchKeyItem;
import io.cachet.crypto.protocol.FetchKeyRequest;
import io.cachet.crypto.protocol.FetchKeyResponse;
import io.cachet.crypto.protocol.ItemResult;
import io.cachet.crypto.protocol.Receipt;
import io.cachet.crypto.protocol.ReceiptEntry;
import io.cachet.crypto.protocol.ServiceDescriptor;
import io.cachet.crypto.protocol.SessionCertificate;
import io.cachet.crypto.protocol.ShareRelease;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/**
 * Hostile input to every parser of the module: random bytes, mutations of real encodings (bit
 * flips, truncations, insertions, replacements, structural JSON edits) and hand-made attacks on
 * the JSON reader. The only exception a parser may let out is {@link FormatException} (and, for
 * a keystore opened with a passphrase, {@link WrongPassphraseException}); whatever a parser
 * accepts must also verify without any runtime exception and print back to what it parses to.
 */
class ParserFuzzProperties {
  static final ObjectMapper TREE = new ObjectMapper();
  static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
  static final Duration WINDOW = Duration.ofSeconds(60);

  /** Real, valid encodings of everything parsed, built once. */
  static final class Samples {
    static final SecureRandom RANDOM = new SecureRandom();
    static final char[] PASSPHRASE = "fuzz me".toCharArray();
    static final Identity PERSON = Identity.generate(RANDOM);
    static final Identity SERVER = Identity.generate(RANDOM);
    static final byte[] HEADER;
    static final byte[] ENVELOPE;
    static final String DESCRIPTOR;
    static final String CERTIFICATE;
    static final String REQUEST;
    static final String RESPONSE;
    static final String RECEIPT;
    static final byte[] RELEASED;
    static final byte[] KEYSTORE;
    static final String OBJECT_ID = ObjectId.random(RANDOM).toString();
    static final String HPKE_KEY = HpkeKeyPair.generate().publicKey().toString();

    static {
      try {
        List<KeyServerKey> servers = new ArrayList<>();
        List<HpkeKeyPair> keys = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
          keys.add(HpkeKeyPair.generate());
          servers.add(new KeyServerKey("ks-" + i, keys.get(i - 1).publicKey()));
        }
        byte[] plain = new byte[100];
        RANDOM.nextBytes(plain);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EnvelopeHeader header = Envelope.seal(new SealParameters("cachet-test", PolicyId.random(RANDOM), 2, servers),
            new ByteArrayInputStream(plain), plain.length, out, RANDOM);
        HEADER = header.encoded();
        ENVELOPE = out.toByteArray();

        DESCRIPTOR = ServiceDescriptor.create("ks-1", 1, keys.get(0).publicKey(), SERVER, "0.1.0").toJson();
        Identity session = Identity.generate(RANDOM);
        SessionCertificate cert = SessionCertificate.issue(PERSON, session.verifyingKey(), NOW.minusSeconds(10),
            Duration.ofMinutes(10), List.of("ks-1", "ks-2"));
        CERTIFICATE = cert.toJson();
        HpkeKeyPair ephemeral = HpkeKeyPair.generate();
        FetchKeyRequest request = FetchKeyRequest.create(session, cert, "ks-1", ephemeral.publicKey(),
            List.of(FetchKeyItem.of(header, 1), FetchKeyItem.of(header, 2)), NOW, RANDOM);
        REQUEST = request.toJson();
        ShareContext ctx = header.shareContext(1);
        RELEASED = ShareRelease.seal(request.requestId(), List.of(new ShareRelease.Released(0, ctx)),
            List.of(Envelope.unsealShare(header, 1, keys.get(0))), ephemeral.publicKey());
        Receipt receipt = Receipt.sign(SERVER, "ks-1", request.requestId(), request.digest(), PERSON.address(),
            NOW.toEpochMilli(),
            List.of(ReceiptEntry.released(0, request.items().get(0), 42, NOW.toEpochMilli(), new byte[32]),
                ReceiptEntry.denied(1, "POLICY_DENIED", request.items().get(1), 42, NOW.toEpochMilli(), new byte[0])),
            RELEASED);
        RECEIPT = receipt.toJson();
        RESPONSE = FetchKeyResponse.of(request.requestId(), "ks-1", 42, List.of(
            ItemResult.released(0), ItemResult.denied(1, "POLICY_DENIED", "no")), RELEASED, receipt).toJson();
        KEYSTORE = Keystore.encrypt(PERSON, PASSPHRASE, new Keystore.KdfParams(8 * 1024, 1, 1), RANDOM);
      } catch (Exception e) {
        throw new ExceptionInInitializerError(e);
      }
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  /** Every parser, its valid sample, and what is checked of anything it accepts. */
  enum Parser {
    HEADER_PARSE(false) {
      byte[] sample() {
        return Samples.HEADER;
      }

      void run(byte[] in) throws Exception {
        EnvelopeHeader h = EnvelopeHeader.parse(in);
        assertThat(h.encoded()).as("an accepted header is canonical").isEqualTo(in);
      }
    },
    HEADER_READ(false) {
      byte[] sample() {
        return Samples.ENVELOPE;
      }

      void run(byte[] in) throws Exception {
        InputStream stream = new ByteArrayInputStream(in);
        EnvelopeHeader h;
        try {
          h = EnvelopeHeader.read(stream);
        } catch (IOException e) {
          throw new AssertionError("IOException from a ByteArrayInputStream", e);
        }
        assertThat(in).startsWith(h.encoded());
        assertThat(stream.available()).as("left at the first body byte").isEqualTo(in.length - h.encodedLength());
      }
    },
    SERVICE_DESCRIPTOR(true) {
      byte[] sample() {
        return utf8(Samples.DESCRIPTOR);
      }

      void run(byte[] in) throws Exception {
        ServiceDescriptor d = ServiceDescriptor.fromJson(text(in));
        quietly(d::verify);
        assertThat(ServiceDescriptor.fromJson(d.toJson()).toJson()).isEqualTo(d.toJson());
      }
    },
    SESSION_CERTIFICATE(true) {
      byte[] sample() {
        return utf8(Samples.CERTIFICATE);
      }

      void run(byte[] in) throws Exception {
        SessionCertificate c = SessionCertificate.fromJson(text(in));
        quietly(c::verifySignature);
        quietly(() -> c.verifyValidity(NOW, "ks-1", WINDOW));
        assertThat(c.digest()).hasSize(32);
        assertThat(SessionCertificate.fromJson(c.toJson()).toJson()).isEqualTo(c.toJson());
      }
    },
    FETCH_KEY_REQUEST(true) {
      byte[] sample() {
        return utf8(Samples.REQUEST);
      }

      void run(byte[] in) throws Exception {
        FetchKeyRequest r = FetchKeyRequest.fromJson(in);
        quietly(() -> r.verify("ks-1", NOW, WINDOW));
        assertThat(r.signedBytes()).isNotEmpty();
        assertThat(FetchKeyRequest.fromJson(utf8(r.toJson())).toJson()).isEqualTo(r.toJson());
      }
    },
    FETCH_KEY_RESPONSE(true) {
      byte[] sample() {
        return utf8(Samples.RESPONSE);
      }

      void run(byte[] in) throws Exception {
        FetchKeyResponse r = FetchKeyResponse.fromJson(in);
        quietly(() -> r.receipt().verify(Samples.SERVER.verifyingKey(), r.sealedShares()));
        assertThat(FetchKeyResponse.fromJson(utf8(r.toJson())).toJson()).isEqualTo(r.toJson());
      }
    },
    RECEIPT(true) {
      byte[] sample() {
        return utf8(Samples.RECEIPT);
      }

      void run(byte[] in) throws Exception {
        Receipt r = Receipt.fromJson(text(in));
        quietly(() -> r.verify(Samples.SERVER.verifyingKey(), Samples.RELEASED));
        assertThat(Receipt.fromJson(r.toJson()).toJson()).isEqualTo(r.toJson());
      }
    },
    KEYSTORE_ADDRESS(true) {
      byte[] sample() {
        return Samples.KEYSTORE;
      }

      void run(byte[] in) throws Exception {
        assertThat(Keystore.address(in)).isNotNull();
      }
    },
    OBJECT_ID(false) {
      byte[] sample() {
        return utf8(Samples.OBJECT_ID);
      }

      void run(byte[] in) throws Exception {
        ObjectId id = ObjectId.parse(text(in));
        assertThat(ObjectId.parse(id.toString())).isEqualTo(id);
      }
    },
    ADDRESS(false) {
      byte[] sample() {
        return utf8(Samples.PERSON.address().toString());
      }

      void run(byte[] in) throws Exception {
        Address a = Address.parse(text(in));
        assertThat(Address.parse(a.toString())).isEqualTo(a);
      }
    },
    VERIFYING_KEY(false) {
      byte[] sample() {
        return utf8(Samples.PERSON.verifyingKey().toString());
      }

      void run(byte[] in) throws Exception {
        VerifyingKey k = VerifyingKey.parse(text(in));
        assertThat(k.toString()).isEqualTo(text(in));
        quietly(() -> k.verify(in, new byte[VerifyingKey.SIGNATURE_LENGTH], "fuzz"));
      }
    },
    HPKE_RECIPIENT_KEY(false) {
      byte[] sample() {
        return utf8(Samples.HPKE_KEY);
      }

      void run(byte[] in) throws Exception {
        HpkeRecipientKey k = HpkeRecipientKey.parse(text(in));
        assertThat(k.toString()).isEqualTo(text(in));
      }
    };

    final boolean json;

    Parser(boolean json) {
      this.json = json;
    }

    abstract byte[] sample();

    abstract void run(byte[] in) throws Exception;
  }

  interface Check {
    void run() throws Exception;
  }

  /** Runs a check on something already parsed: it may refuse, but only with a typed security exception. */
  static void quietly(Check check) throws Exception {
    try {
      check.run();
    } catch (CachetSecurityException expected) {
      // refusing is fine; a RuntimeException here would mean the parser accepted something unusable
    }
  }

  static void feed(Parser parser, byte[] input) {
    try {
      parser.run(input);
    } catch (FormatException expected) {
      // the one exception a parser may throw
    } catch (Throwable t) {
      fail(parser + " let " + t + " escape for input " + preview(input), t);
    }
  }

  static String preview(byte[] in) {
    String s = text(in);
    return in.length + " bytes: " + (s.length() > 300 ? s.substring(0, 300) + "..." : s);
  }

  // ------------------------------------------------------------------ mutations

  /** One edit of a byte string; positions wrap around the current length. */
  record Mutation(int kind, int position, int value, byte[] insert) {
    private static final byte[] INTERESTING = utf8("\u0000\u007f\"{}[],:0 9-e.\\nulltrue");

    byte[] apply(byte[] in) {
      int n = in.length;
      int at = n == 0 ? 0 : Math.floorMod(position, n);
      switch (kind) {
        case 0: // bit flip
          if (n == 0) {
            return in;
          }
          byte[] flipped = in.clone();
          flipped[at] ^= (byte) (1 << Math.floorMod(value, 8));
          return flipped;
        case 1: // truncate
          return Arrays.copyOf(in, Math.floorMod(position, n + 1));
        case 2: { // insert
          int where = Math.floorMod(position, n + 1);
          byte[] out = new byte[n + insert.length];
          System.arraycopy(in, 0, out, 0, where);
          System.arraycopy(insert, 0, out, where, insert.length);
          System.arraycopy(in, where, out, where + insert.length, n - where);
          return out;
        }
        case 3: // replace a byte
          if (n == 0) {
            return in;
          }
          byte[] replaced = in.clone();
          replaced[at] = (byte) value;
          return replaced;
        case 4: { // delete a short run
          if (n == 0) {
            return in;
          }
          int len = Math.min(n - at, 1 + Math.floorMod(value, 16));
          byte[] out = new byte[n - len];
          System.arraycopy(in, 0, out, 0, at);
          System.arraycopy(in, at + len, out, at, n - at - len);
          return out;
        }
        case 5: { // duplicate a short run in place
          if (n == 0) {
            return in;
          }
          int len = Math.min(n - at, 1 + Math.floorMod(value, 32));
          byte[] out = new byte[n + len];
          System.arraycopy(in, 0, out, 0, at + len);
          System.arraycopy(in, at, out, at + len, n - at);
          return out;
        }
        default: // replace with a byte that means something to a JSON or binary reader
          if (n == 0) {
            return in;
          }
          byte[] special = in.clone();
          special[at] = INTERESTING[Math.floorMod(value, INTERESTING.length)];
          return special;
      }
    }
  }

  @Provide
  Arbitrary<List<Mutation>> mutations() {
    Arbitrary<Mutation> one = Combinators.combine(
        Arbitraries.integers().between(0, 6),
        Arbitraries.integers(),
        Arbitraries.integers(),
        Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(8)).as(Mutation::new);
    return one.list().ofMinSize(1).ofMaxSize(4);
  }

  static byte[] mutate(byte[] sample, List<Mutation> ms) {
    byte[] b = sample;
    for (Mutation m : ms) {
      b = m.apply(b);
    }
    return b;
  }

  /** Rewrites a header's declared length to match, so that mutations reach the fields behind it. */
  static byte[] fixHeaderLength(byte[] b) {
    if (b.length < EnvelopeHeader.PREFIX_LENGTH) {
      return b;
    }
    byte[] out = b.clone();
    int body = b.length - EnvelopeHeader.PREFIX_LENGTH;
    out[5] = (byte) (body >>> 24);
    out[6] = (byte) (body >>> 16);
    out[7] = (byte) (body >>> 8);
    out[8] = (byte) body;
    return out;
  }

  /** A structural edit of a JSON document: replace, remove, add, graft or retype one node. */
  record TreeEdit(int op, int nodeSeed, int valueSeed) {
    static final List<JsonNode> VALUES = values();

    static List<JsonNode> values() {
      JsonNodeFactory f = JsonNodeFactory.instance;
      List<JsonNode> v = new ArrayList<>(List.of(f.nullNode(), f.booleanNode(true), f.booleanNode(false),
          f.numberNode(0), f.numberNode(-1), f.numberNode(1), f.numberNode(2), f.numberNode(31), f.numberNode(32),
          f.numberNode(33), f.numberNode(99), f.numberNode(100), f.numberNode(101), f.numberNode(255),
          f.numberNode(256), f.numberNode(1800), f.numberNode(1801), f.numberNode(65535), f.numberNode(65536),
          f.numberNode(Integer.MAX_VALUE), f.numberNode(Integer.MAX_VALUE + 1L), f.numberNode(Long.MAX_VALUE),
          f.numberNode(Long.MIN_VALUE), f.numberNode(new BigInteger("99999999999999999999")),
          f.numberNode(new BigDecimal("1e400")), f.numberNode(1.5), f.numberNode(-0.0),
          f.textNode(""), f.textNode("x"), f.textNode("0x"), f.textNode("0x" + "0".repeat(64)),
          f.textNode("0x" + "F".repeat(64)), f.textNode("ks-1"), f.textNode("ks-2"), f.textNode("ks 1"),
          f.textNode("AAAA"), f.textNode("AA=="), f.textNode("A"), f.textNode("released"), f.textNode("denied"),
          f.textNode("argon2id"), f.textNode("aes-256-gcm"), f.textNode("cachet-identity"),
          f.textNode("\u0000"), f.textNode("é".repeat(200)), f.textNode("A".repeat(5000)),
          f.textNode("0123456789abcdef0123456789abcdef"), f.arrayNode(), f.objectNode(),
          f.arrayNode().addNull(), f.objectNode().put("a", 1)));
      return List.copyOf(v);
    }
  }

  /** Every node of a tree with the container holding it and its key or index there. */
  record Slot(JsonNode parent, String field, int index, JsonNode node) {}

  static List<Slot> slots(JsonNode root) {
    List<Slot> out = new ArrayList<>();
    collect(root, out);
    return out;
  }

  private static void collect(JsonNode container, List<Slot> out) {
    if (container.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = container.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        out.add(new Slot(container, e.getKey(), -1, e.getValue()));
        collect(e.getValue(), out);
      }
    } else if (container.isArray()) {
      for (int i = 0; i < container.size(); i++) {
        out.add(new Slot(container, null, i, container.get(i)));
        collect(container.get(i), out);
      }
    }
  }

  static void put(Slot s, JsonNode value) {
    if (s.field() != null) {
      ((ObjectNode) s.parent()).set(s.field(), value);
    } else {
      ((ArrayNode) s.parent()).set(s.index(), value);
    }
  }

  static void remove(Slot s) {
    if (s.field() != null) {
      ((ObjectNode) s.parent()).remove(s.field());
    } else {
      ((ArrayNode) s.parent()).remove(s.index());
    }
  }

  static byte[] edit(byte[] sample, List<TreeEdit> edits) throws IOException {
    JsonNode root = TREE.readTree(sample);
    for (TreeEdit e : edits) {
      List<Slot> all = slots(root);
      if (all.isEmpty()) {
        break;
      }
      Slot s = all.get(Math.floorMod(e.nodeSeed(), all.size()));
      switch (e.op()) {
        // a copy: the shared value nodes are mutable, and a later edit inside one would change it for
        // every later try (it grew across tries until a node held itself)
        case 0 -> put(s, TreeEdit.VALUES.get(Math.floorMod(e.valueSeed(), TreeEdit.VALUES.size())).deepCopy());
        case 1 -> remove(s);
        case 2 -> {
          JsonNode graft = all.get(Math.floorMod(e.valueSeed(), all.size())).node().deepCopy();
          put(s, graft);
        }
        case 3 -> put(s, JsonNodeFactory.instance.arrayNode().add(s.node().deepCopy()));
        case 4 -> {
          if (s.node().isObject()) {
            ((ObjectNode) s.node()).put("extra" + Math.floorMod(e.valueSeed(), 3), 1);
          } else {
            remove(s);
          }
        }
        default -> {
          String t = s.node().asText();
          int cut = t.isEmpty() ? 0 : Math.floorMod(e.valueSeed(), t.length());
          String changed = switch (Math.floorMod(e.valueSeed(), 4)) {
            case 0 -> t.substring(0, cut);
            case 1 -> t + "A";
            case 2 -> t.toUpperCase(java.util.Locale.ROOT);
            default -> t.substring(0, cut) + "\u00e9" + t.substring(cut);
          };
          put(s, s.node().isNumber() && !changed.isEmpty() && changed.matches("-?\\d{1,18}")
              ? JsonNodeFactory.instance.numberNode(Long.parseLong(changed)) : new TextNode(changed));
        }
      }
    }
    return TREE.writeValueAsBytes(root);
  }

  @Provide
  Arbitrary<List<TreeEdit>> treeEdits() {
    Arbitrary<TreeEdit> one = Combinators.combine(
        Arbitraries.integers().between(0, 5), Arbitraries.integers(), Arbitraries.integers()).as(TreeEdit::new);
    return one.list().ofMinSize(1).ofMaxSize(3);
  }

  @Provide
  Arbitrary<Parser> jsonParsers() {
    return Arbitraries.of(Parser.class).filter(p -> p.json);
  }

  // ------------------------------------------------------------------ properties: every parser

  @Property(tries = 3000)
  void anyParser_randomBytes_throwsFormatOnly(@ForAll Parser parser, @ForAll @Size(max = 600) byte[] input) {
    feed(parser, input);
  }

  @Property(tries = 3000)
  void anyParser_mutatedValidInput_throwsFormatOnly(@ForAll Parser parser,
      @ForAll("mutations") List<Mutation> mutations, @ForAll boolean fixLength) {
    byte[] in = mutate(parser.sample(), mutations);
    if (fixLength && (parser == Parser.HEADER_PARSE)) {
      in = fixHeaderLength(in);
    }
    feed(parser, in);
  }

  @Property(tries = 3000)
  void jsonParser_structurallyEditedMessage_throwsFormatOnly(@ForAll("jsonParsers") Parser parser,
      @ForAll("treeEdits") List<TreeEdit> edits) throws IOException {
    feed(parser, edit(parser.sample(), edits));
  }

  @Provide
  Arbitrary<String> jsonSoup() {
    Arbitrary<String> token = Arbitraries.of("{", "}", "[", "]", ",", ":", "\"", "null", "true", "0", "-1", "1e400",
        "99999999999999999999", "\"serverId\"", "\"items\"", "\"kdf\"", "\"item\"", "\"status\"", "\"released\"",
        "\"address\"", "\"0x00\"", "\"AAAA\"", " ", "\\u0000", "\"ks-1\"", "\"\\ud800\"");
    return token.list().ofMaxSize(60).map(l -> String.join("", l));
  }

  @Property(tries = 2000)
  void jsonParser_tokenSoup_throwsFormatOnly(@ForAll("jsonParsers") Parser parser,
      @ForAll("jsonSoup") String soup) {
    feed(parser, utf8(soup));
  }

  @Property(tries = 1000)
  void headerParsers_validPrefixRandomBody_throwsFormatOnly(@ForAll @Size(max = 2000) byte[] body,
      @ForAll boolean read) {
    byte[] in = fixHeaderLength(concat(new byte[] {'C', 'C', 'H', 'T', 1, 0, 0, 0, 0}, body));
    feed(read ? Parser.HEADER_READ : Parser.HEADER_PARSE, in);
  }

  // ------------------------------------------------------------------ the keystore, with a passphrase

  static final ObjectMapper LENIENT = new ObjectMapper();

  /**
   * Whether opening costs at most a small Argon2 run. Settings inside the format's limits but
   * costly (up to 1 GiB, 64 passes) are legitimately derived; this test checks parsing, not KDF time.
   */
  static boolean cheapToOpen(byte[] doc) {
    JsonNode root;
    try {
      root = LENIENT.readTree(doc);
    } catch (IOException e) {
      return true; // not JSON even to a lenient reader: the strict one refuses it before any derivation
    }
    if (root == null) {
      return true;
    }
    for (String field : List.of("memoryKiB", "iterations")) {
      for (JsonNode v : root.findValues(field)) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
          return false;
        }
        int limit = field.equals("memoryKiB") ? 16 * 1024 : 2;
        if (v.intValue() > limit) {
          return false;
        }
      }
    }
    return true;
  }

  static void open(byte[] keystore) {
    try {
      if (!cheapToOpen(keystore)) {
        Keystore.address(keystore);
        return;
      }
      Identity opened = Keystore.decrypt(keystore, Samples.PASSPHRASE.clone());
      assertThat(opened.verifyingKey()).as("an altered keystore opened as another identity")
          .isEqualTo(Samples.PERSON.verifyingKey());
    } catch (FormatException | WrongPassphraseException expected) {
      // the two refusals allowed
    } catch (Throwable t) {
      fail("Keystore.decrypt let " + t + " escape for " + preview(keystore), t);
    }
  }

  @Property(tries = 150)
  void keystoreDecrypt_mutatedKeystore_refusesOrReturnsTheOriginalIdentity(
      @ForAll("mutations") List<Mutation> mutations) {
    open(mutate(Samples.KEYSTORE, mutations));
  }

  @Property(tries = 150)
  void keystoreDecrypt_structurallyEditedKeystore_refusesOrReturnsTheOriginalIdentity(
      @ForAll("treeEdits") List<TreeEdit> edits) throws IOException {
    open(edit(Samples.KEYSTORE, edits));
  }

  @Property(tries = 300)
  void keystoreDecrypt_randomBytes_throwsFormatOnly(@ForAll @Size(max = 600) byte[] input) {
    open(input);
  }

  // ------------------------------------------------------------------ hand-made hostile JSON

  /** Every JSON parser's sample with the way to feed it; the keystore is also opened. */
  static Map<String, byte[]> jsonSamples() {
    return Map.of(
        "ServiceDescriptor", utf8(Samples.DESCRIPTOR),
        "SessionCertificate", utf8(Samples.CERTIFICATE),
        "FetchKeyRequest", utf8(Samples.REQUEST),
        "FetchKeyResponse", utf8(Samples.RESPONSE),
        "Receipt", utf8(Samples.RECEIPT),
        "Keystore", Samples.KEYSTORE);
  }

  static void parseStrictly(String kind, byte[] in) throws Exception {
    switch (kind) {
      case "ServiceDescriptor" -> ServiceDescriptor.fromJson(text(in));
      case "SessionCertificate" -> SessionCertificate.fromJson(text(in));
      case "FetchKeyRequest" -> FetchKeyRequest.fromJson(in);
      case "FetchKeyResponse" -> FetchKeyResponse.fromJson(in);
      case "Receipt" -> Receipt.fromJson(text(in));
      case "Keystore" -> {
        Keystore.address(in);
        Keystore.decrypt(in, Samples.PASSPHRASE.clone());
      }
      default -> throw new IllegalArgumentException(kind);
    }
  }

  static void assertRefused(String kind, byte[] in, String what) {
    Throwable thrown = catchThrowable(() -> parseStrictly(kind, in));
    assertThat(thrown).as("%s with %s: %s", kind, what, preview(in)).isInstanceOf(FormatException.class);
  }

  /** The sample with one node swapped for raw JSON text, which a tree cannot always hold. */
  static byte[] withRaw(JsonNode root, Slot slot, String raw) throws IOException {
    JsonNode before = slot.node();
    String marker = "@@raw-" + System.nanoTime() + "@@";
    put(slot, new TextNode(marker));
    String json = TREE.writeValueAsString(root);
    put(slot, before);
    return utf8(json.replace("\"" + marker + "\"", raw));
  }

  @Example
  void jsonParsers_validSamples_areAccepted() throws Exception {
    for (Map.Entry<String, byte[]> e : jsonSamples().entrySet()) {
      parseStrictly(e.getKey(), e.getValue());
    }
  }

  @Example
  void jsonParsers_duplicateKeyAnywhere_throwsFormat() throws Exception {
    for (Map.Entry<String, byte[]> e : jsonSamples().entrySet()) {
      JsonNode root = TREE.readTree(e.getValue());
      List<JsonNode> objects = new ArrayList<>();
      objects.add(root);
      slots(root).stream().map(Slot::node).filter(JsonNode::isObject).forEach(objects::add);
      for (JsonNode object : objects) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
          String marker = "\"@@dup@@\":0";
          ObjectNode o = (ObjectNode) object;
          // Put a marker member first, then replace it by a copy of the member named.
          Map<String, JsonNode> members = new LinkedHashMap<>();
          o.fields().forEachRemaining(m -> members.put(m.getKey(), m.getValue()));
          o.removeAll();
          o.put("@@dup@@", 0);
          o.setAll(members);
          String json = TREE.writeValueAsString(root)
              .replace(marker, TREE.writeValueAsString(name) + ":" + TREE.writeValueAsString(members.get(name)));
          o.remove("@@dup@@");
          assertThat(json).contains(TREE.writeValueAsString(name) + ":" + TREE.writeValueAsString(members.get(name))
              + "," + TREE.writeValueAsString(members.keySet().iterator().next()));
          assertRefused(e.getKey(), utf8(json), "duplicate " + name);
        }
      }
    }
  }

  @Example
  void jsonParsers_unknownFieldInAnyObject_throwsFormat() throws Exception {
    for (Map.Entry<String, byte[]> e : jsonSamples().entrySet()) {
      JsonNode root = TREE.readTree(e.getValue());
      List<JsonNode> objects = new ArrayList<>();
      objects.add(root);
      slots(root).stream().map(Slot::node).filter(JsonNode::isObject).forEach(objects::add);
      for (JsonNode object : objects) {
        ((ObjectNode) object).put("comment", "ignore me");
        assertRefused(e.getKey(), TREE.writeValueAsBytes(root), "an unknown field");
        ((ObjectNode) object).remove("comment");
      }
    }
  }

  @Example
  void jsonParsers_anyMemberMissing_throwsFormat() throws Exception {
    for (Map.Entry<String, byte[]> e : jsonSamples().entrySet()) {
      int count = slots(TREE.readTree(e.getValue())).size();
      for (int i = 0; i < count; i++) {
        JsonNode fresh = TREE.readTree(e.getValue());
        Slot s = slots(fresh).get(i);
        if (s.field() == null) {
          continue; // array elements are not members
        }
        remove(s);
        assertRefused(e.getKey(), TREE.writeValueAsBytes(fresh), "no " + s.field());
      }
    }
  }

  @Example
  void jsonParsers_anyNonNullValueSetToNull_throwsFormat() throws Exception {
    for (Map.Entry<String, byte[]> e : jsonSamples().entrySet()) {
      JsonNode root = TREE.readTree(e.getValue());
      for (Slot s : slots(root)) {
        if (s.node().isNull()) {
          continue; // already null in a valid message (the other outcome's fields of an item result)
        }
        JsonNode before = s.node();
        put(s, JsonNodeFactory.instance.nullNode());
        assertRefused(e.getKey(), TREE.writeValueAsBytes(root),
            "null for " + (s.field() != null ? s.field() : "element " + s.index()));
        put(s, before);
      }
    }
  }

  @Example
  void jsonParsers_anyValueOfAnotherType_throwsFormat() throws Exception {
    JsonNodeFactory f = JsonNodeFactory.instance;
    for (Map.Entry<String, byte[]> e : jsonSamples().entrySet()) {
      JsonNode root = TREE.readTree(e.getValue());
      for (Slot s : slots(root)) {
        if (s.node().isNull()) {
          continue;
        }
        JsonNode before = s.node();
        List<JsonNode> others = new ArrayList<>(List.of(f.booleanNode(true)));
        if (!before.isTextual()) {
          others.add(f.textNode(before.isValueNode() ? before.asText() : "x"));
        }
        if (!before.isNumber()) {
          others.add(f.numberNode(7));
        }
        if (!before.isArray()) {
          others.add(f.arrayNode().add(before.deepCopy()));
        }
        if (!before.isObject()) {
          others.add(f.objectNode().set("value", before.deepCopy()));
        }
        for (JsonNode other : others) {
          put(s, other);
          assertRefused(e.getKey(), TREE.writeValueAsBytes(root), other + " in place of " + before);
        }
        put(s, before);
      }
    }
  }

  @Example
  void jsonParsers_hugeOrFractionalNumbers_throwsFormat() throws Exception {
    List<String> numbers = List.of("1e400", "-1e400", "99999999999999999999", "-99999999999999999999",
        "9223372036854775808", "1.0", "1e2", "0.5", "1" + "0".repeat(1000), "NaN", "Infinity", "0x10", "+1", "01");
    for (Map.Entry<String, byte[]> e : jsonSamples().entrySet()) {
      JsonNode root = TREE.readTree(e.getValue());
      for (Slot s : slots(root)) {
        if (!s.node().isNumber()) {
          continue;
        }
        for (String n : numbers) {
          assertRefused(e.getKey(), withRaw(root, s, n), n + " for " + s.field());
        }
      }
    }
  }

  @Example
  void jsonParsers_deeplyNestedInput_throwsFormatQuickly() throws Exception {
    List<String> deep = List.of("[".repeat(10_000), "[".repeat(10_000) + "]".repeat(10_000),
        "{\"a\":".repeat(10_000), "{\"items\":" + "[".repeat(10_000));
    for (Map.Entry<String, byte[]> e : jsonSamples().entrySet()) {
      for (String d : deep) {
        assertRefused(e.getKey(), utf8(d), "deep nesting");
      }
      // And inside an otherwise valid message, in place of every value.
      JsonNode root = TREE.readTree(e.getValue());
      for (Slot s : slots(root)) {
        assertRefused(e.getKey(), withRaw(root, s, "[".repeat(5_000) + "]".repeat(5_000)), "nested arrays");
      }
    }
  }

  @Example
  void jsonParsers_documentOverTheSizeLimit_throwsFormat() throws Exception {
    for (Map.Entry<String, byte[]> e : jsonSamples().entrySet()) {
      byte[] valid = e.getValue();
      // Valid JSON but for its size: the message padded with whitespace to 2 MiB.
      byte[] padded = new byte[2 << 20];
      Arrays.fill(padded, (byte) ' ');
      System.arraycopy(valid, 0, padded, 0, valid.length);
      assertThatThrownBy(() -> parseStrictly(e.getKey(), padded))
          .isInstanceOf(FormatException.class)
          .hasMessageContaining("exceeds the limit");

      JsonNode root = TREE.readTree(valid);
      Slot first = slots(root).get(0);
      assertRefused(e.getKey(), withRaw(root, first, "\"" + "A".repeat(2 << 20) + "\""), "a 2 MiB string");
    }
  }

  @Example
  void jsonParsers_notAnObject_throwsFormat() {
    for (String kind : jsonSamples().keySet()) {
      for (String doc : List.of("", " ", "null", "true", "0", "\"x\"", "[]", "[{}]", "{}", "{", "}", "{\"a\"}")) {
        assertRefused(kind, utf8(doc), "'" + doc + "'");
      }
      assertRefused(kind, new byte[] {(byte) 0xFE, (byte) 0xFF, 0, '{'}, "a UTF-16 BOM");
      assertRefused(kind, new byte[] {'{', '"', (byte) 0xC0, (byte) 0x80, '"', ':', '1', '}'}, "overlong UTF-8");
    }
  }

  @Example
  void jsonParsers_trailingContent_throwsFormat() {
    for (Map.Entry<String, byte[]> e : jsonSamples().entrySet()) {
      for (String tail : List.of("x", "{}", "[]", "0", text(e.getValue()))) {
        assertRefused(e.getKey(), concat(e.getValue(), utf8(tail)), "trailing " + tail);
      }
    }
  }

  @Example
  void jsonParsers_nonCanonicalByteStrings_throwsFormat() throws Exception {
    for (Map.Entry<String, byte[]> e : jsonSamples().entrySet()) {
      JsonNode root = TREE.readTree(e.getValue());
      for (Slot s : slots(root)) {
        String t = s.node().asText();
        if (!s.node().isTextual() || t.length() < 20 || t.startsWith("0x") || !t.matches("[A-Za-z0-9_-]+")) {
          continue; // only the base64 byte strings and keys
        }
        List<String> variants = new ArrayList<>(List.of(t + "=", t.substring(0, 4) + " " + t.substring(4),
            t.substring(0, 4) + "\n" + t.substring(4)));
        if (t.length() % 4 != 0) {
          String last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
          int v = last.indexOf(t.charAt(t.length() - 1));
          variants.add(t.substring(0, t.length() - 1) + last.charAt(v | 1));
        }
        if (t.indexOf('-') >= 0 || t.indexOf('_') >= 0) {
          variants.add(t.replace('-', '+').replace('_', '/'));
        }
        for (String v : variants) {
          if (v.equals(t)) {
            continue;
          }
          put(s, new TextNode(v));
          assertRefused(e.getKey(), TREE.writeValueAsBytes(root), "'" + v + "' for '" + t + "'");
        }
        put(s, new TextNode(t));
      }
    }
  }

  // ------------------------------------------------------------------ headers claiming huge lengths

  /** A stream of endless zeros that counts what was taken from it. */
  static final class Endless extends InputStream {
    final byte[] prefix;
    long taken;

    Endless(byte[] prefix) {
      this.prefix = prefix;
    }

    @Override
    public int read() {
      int b = taken < prefix.length ? prefix[(int) taken] & 0xFF : 0;
      taken++;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      for (int i = 0; i < len; i++) {
        b[off + i] = (byte) read();
      }
      return len;
    }
  }

  @Property(tries = 200)
  void headerRead_prefixClaimingMoreThanTheLimit_throwsFormatBeforeReadingOn(
      @ForAll @LongRange(min = EnvelopeHeader.MAX_HEADER_BYTES - 8, max = 0xFFFF_FFFFL) long claimed)
      throws Exception {
    byte[] prefix = {'C', 'C', 'H', 'T', 1, (byte) (claimed >>> 24), (byte) (claimed >>> 16),
        (byte) (claimed >>> 8), (byte) claimed};
    Endless stream = new Endless(prefix);

    assertThatThrownBy(() -> EnvelopeHeader.read(stream))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("limit");
    assertThat(stream.taken).as("bytes consumed").isEqualTo(EnvelopeHeader.PREFIX_LENGTH);
    assertThatThrownBy(() -> EnvelopeHeader.parse(concat(prefix, new byte[100])))
        .isInstanceOf(FormatException.class);
  }

  @Example
  void headerRead_maxIntClaim_throwsFormatWithoutAllocating() {
    byte[] prefix = {'C', 'C', 'H', 'T', 0x01, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
    Endless stream = new Endless(prefix);
    long before = System.nanoTime();

    assertThatThrownBy(() -> EnvelopeHeader.read(stream)).isInstanceOf(FormatException.class);
    assertThat(stream.taken).isEqualTo(EnvelopeHeader.PREFIX_LENGTH);
    assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(5));
  }

  @Example
  void headerRead_streamEndsBeforeDeclaredLength_throwsFormat() {
    byte[] cut = Arrays.copyOf(Samples.HEADER, Samples.HEADER.length - 1);
    byte[] empty = new byte[0];
    byte[] prefixOnly = Arrays.copyOf(Samples.HEADER, EnvelopeHeader.PREFIX_LENGTH);

    for (byte[] in : List.of(cut, empty, prefixOnly, Arrays.copyOf(Samples.HEADER, 5))) {
      assertThatThrownBy(() -> EnvelopeHeader.read(new ByteArrayInputStream(in))).isInstanceOf(FormatException.class);
      assertThatThrownBy(() -> EnvelopeHeader.parse(in)).isInstanceOf(FormatException.class);
    }
  }

  @Example
  void headerParse_unknownVersionOrMagic_throwsFormatNamingIt() {
    byte[] v2 = Samples.HEADER.clone();
    v2[4] = 2;
    byte[] magic = Samples.HEADER.clone();
    magic[0] = 'X';

    assertThatThrownBy(() -> EnvelopeHeader.parse(v2)).isInstanceOf(FormatException.class)
        .hasMessageContaining("version 2");
    assertThatThrownBy(() -> EnvelopeHeader.parse(magic)).isInstanceOf(FormatException.class)
        .hasMessageContaining("magic");
  }

  @Example
  void idParsers_nullAndEdgeStrings_throwsFormat() {
    List<String> bad = new ArrayList<>(Arrays.asList(null, "", "0x", "0X" + "0".repeat(64), "0x" + "0".repeat(63),
        "0x" + "0".repeat(65), "0x" + "g".repeat(64), " 0x" + "0".repeat(63), "0x" + "\u0660".repeat(64)));
    for (String s : bad) {
      assertThatThrownBy(() -> ObjectId.parse(s)).as(String.valueOf(s)).isInstanceOf(FormatException.class);
      assertThatThrownBy(() -> Address.parse(s)).as(String.valueOf(s)).isInstanceOf(FormatException.class);
      assertThatThrownBy(() -> PolicyId.parse(s)).as(String.valueOf(s)).isInstanceOf(FormatException.class);
    }
    String key = Samples.PERSON.verifyingKey().toString();
    for (String s : Arrays.asList(null, "", key + "A", key.substring(1), key + "=", "A".repeat(44))) {
      assertThatThrownBy(() -> VerifyingKey.parse(s)).as(String.valueOf(s)).isInstanceOf(FormatException.class);
      assertThatThrownBy(() -> HpkeRecipientKey.parse(s)).as(String.valueOf(s)).isInstanceOf(FormatException.class);
    }
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
