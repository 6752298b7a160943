package io.cachet.bench.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The devnet's viewer page in the bench's Chromium, and the SDK it is served with ({@code /cachet.js})
 * run in it by {@code executeAsyncScript}. Every time is taken inside the page with
 * {@code performance.now()}, whose zero is the page's navigation start; the plaintext is counted and
 * dropped, never kept or hashed, so what is timed is the SDK's open.
 */
public final class ViewerTab {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Opens a blob and drains its stream. Answers: bytes, and in ms from the openBlob call: opened
   * (openBlob resolved: header read, key fetched), first (first chunk), done (stream ended).
   */
  private static final String DRAIN = """
      const [blobId] = arguments;
      const answer = arguments[arguments.length - 1];
      (async () => {
        const sdk = await import(new URL('/cachet.js', location.href).href);
        const descriptor = await (await fetch('/network.json', { cache: 'no-store' })).json();
        const network = sdk.Network.fromDescriptor(descriptor);
        const identity = await sdk.BrowserIdentity.loadOrCreate('default');
        const t0 = performance.now();
        const opened = await sdk.openBlob({ network, blobId, identity });
        const t1 = performance.now();
        const reader = opened.stream.getReader();
        let bytes = 0;
        let first = null;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (first === null) first = performance.now();
          bytes += value.length;
        }
        const t2 = performance.now();
        answer(JSON.stringify({ ok: true, bytes, opened: t1 - t0, first: first - t0, done: t2 - t0 }));
      })().catch((e) => answer(JSON.stringify({ ok: false, code: e && e.code, message: String(e && e.stack ? e.stack : e) })));
      """;

  /**
   * On a page just navigated to: the SDK imported, the descriptor and the identity loaded, the blob
   * opened and its first chunk read, then the same again in the same page (the session now held).
   * Answers, in ms from navigation start: loaded (loadEventEnd), script (this script began), first
   * (first plaintext chunk of the fresh open); again (ms from the second openBlob call to its first
   * chunk) and bytes.
   */
  private static final String FIRST_BYTE = """
      const [blobId] = arguments;
      const answer = arguments[arguments.length - 1];
      const script = performance.now();
      (async () => {
        const sdk = await import(new URL('/cachet.js', location.href).href);
        const descriptor = await (await fetch('/network.json', { cache: 'no-store' })).json();
        const network = sdk.Network.fromDescriptor(descriptor);
        const identity = await sdk.BrowserIdentity.loadOrCreate('default');
        const firstChunk = async () => {
          const opened = await sdk.openBlob({ network, blobId, identity });
          const reader = opened.stream.getReader();
          const { value } = await reader.read();
          const at = performance.now();
          await reader.cancel();
          return { at, bytes: value ? value.length : 0 };
        };
        const fresh = await firstChunk();
        const t = performance.now();
        const held = await firstChunk();
        const nav = performance.getEntriesByType('navigation')[0];
        answer(JSON.stringify({ ok: true, loaded: nav ? nav.loadEventEnd : null, script, first: fresh.at,
            bytes: fresh.bytes, again: held.at - t }));
      })().catch((e) => answer(JSON.stringify({ ok: false, code: e && e.code, message: String(e && e.stack ? e.stack : e) })));
      """;

  /**
   * Where an open's time goes, in pieces the SDK is made of, each alone in the page: the blob read
   * from the aggregator by ranged GETs (4 MiB ranges one after the other, the body read the SDK's
   * way, chunk by chunk then joined, and by {@code arrayBuffer()}; 4 MiB ranges two at a time;
   * 16 MiB ranges), and WebCrypto's AES-256-GCM over as many 1 MiB segments as the blob has, one
   * call at a time and four at a time. Answers ms for each and the bytes read.
   */
  private static final String SPLIT = """
      const [blobId] = arguments;
      const answer = arguments[arguments.length - 1];
      (async () => {
        const sdk = await import(new URL('/cachet.js', location.href).href);
        const descriptor = await (await fetch('/network.json', { cache: 'no-store' })).json();
        const network = sdk.Network.fromDescriptor(descriptor);
        const url = new URL(network.aggregator);
        url.pathname = url.pathname.replace(/\\/+$/, '') + '/v1/blobs/' + blobId;
        const head = await fetch(url, { headers: { range: 'bytes=0-0' } });
        await head.arrayBuffer();
        const total = Number(/\\/(\\d+)$/.exec(head.headers.get('content-range') || '')?.[1]);
        if (!Number.isSafeInteger(total)) throw new Error('no Content-Range total: ' + head.headers.get('content-range'));
        const MIB = 1 << 20;
        const range = async (from, to, joined) => {
          const r = await fetch(url, { headers: { range: `bytes=${from}-${to - 1}` } });
          if (!joined) return new Uint8Array(await r.arrayBuffer()).length;
          const reader = r.body.getReader();
          const chunks = [];
          let n = 0;
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            chunks.push(value);
            n += value.length;
          }
          const out = new Uint8Array(n);
          let at = 0;
          for (const c of chunks) { out.set(c, at); at += c.length; }
          return out.length;
        };
        const readAll = async (size, inFlight, joined) => {
          const t = performance.now();
          let bytes = 0;
          for (let from = 0; from < total; from += size * inFlight) {
            const reads = [];
            for (let k = 0; k < inFlight && from + k * size < total; k++) {
              reads.push(range(from + k * size, Math.min(total, from + (k + 1) * size), joined));
            }
            for (const n of await Promise.all(reads)) bytes += n;
          }
          if (bytes !== total) throw new Error(`read ${bytes} of ${total} bytes`);
          return performance.now() - t;
        };
        const joined4 = await readAll(4 * MIB, 1, true);
        const buffer4 = await readAll(4 * MIB, 1, false);
        const ahead4 = await readAll(4 * MIB, 2, false);
        const buffer16 = await readAll(16 * MIB, 1, false);
        const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
        const iv = new Uint8Array(12);
        const plain = new Uint8Array(MIB - 16);
        for (let i = 0; i < plain.length; i += 65536) crypto.getRandomValues(plain.subarray(i, i + 65536));
        const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plain));
        const segments = Math.ceil(total / MIB);
        const decryptAll = async (together) => {
          const t = performance.now();
          for (let i = 0; i < segments; i += together) {
            const calls = [];
            for (let k = 0; k < together && i + k < segments; k++) calls.push(crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, sealed));
            await Promise.all(calls);
          }
          return performance.now() - t;
        };
        const decrypt1 = await decryptAll(1);
        const decrypt4 = await decryptAll(4);
        answer(JSON.stringify({ ok: true, bytes: total, joined4, buffer4, ahead4, buffer16, decrypt1, decrypt4 }));
      })().catch((e) => answer(JSON.stringify({ ok: false, code: e && e.code, message: String(e && e.stack ? e.stack : e) })));
      """;

  private final BenchChromium browser;
  private final URI viewer;

  public ViewerTab(BenchChromium browser, URI viewer) {
    this.browser = browser;
    this.viewer = viewer;
  }

  /** Navigates to the viewer page afresh (a new document, so a new SDK instance and session). */
  public void load() {
    browser.driver().get(viewer.toString());
  }

  /** Loads the page and waits until it shows its identity's address; the address. */
  public String address() {
    load();
    new WebDriverWait(browser.driver(), Duration.ofSeconds(60)).until(d -> {
      String a = d.findElement(By.id("identity-address")).getDomAttribute("data-address");
      return a != null && a.startsWith("0x") ? a : null;
    });
    return browser.driver().findElement(By.id("identity-address")).getDomAttribute("data-address");
  }

  /** One open of {@code blobId}, drained, in a freshly loaded page. */
  public Drain drain(String blobId) throws IOException {
    load();
    JsonNode r = call(DRAIN, blobId);
    return new Drain(r.path("bytes").asLong(), r.path("opened").asDouble(), r.path("first").asDouble(),
        r.path("done").asDouble());
  }

  /** A fresh navigation to the viewer page, then the first plaintext chunk of {@code blobId}. */
  public FirstByte firstByte(String blobId) throws IOException {
    load();
    JsonNode r = call(FIRST_BYTE, blobId);
    return new FirstByte(r.path("loaded").asDouble(), r.path("script").asDouble(), r.path("first").asDouble(),
        r.path("again").asDouble(), r.path("bytes").asLong());
  }

  /** The pieces of an open of {@code blobId}, each timed alone in a freshly loaded page (see SPLIT). */
  public Split split(String blobId) throws IOException {
    load();
    JsonNode r = call(SPLIT, blobId);
    return new Split(r.path("bytes").asLong(), r.path("joined4").asDouble(), r.path("buffer4").asDouble(),
        r.path("ahead4").asDouble(), r.path("buffer16").asDouble(), r.path("decrypt1").asDouble(),
        r.path("decrypt4").asDouble());
  }

  private JsonNode call(String script, String blobId) throws IOException {
    JsonNode r = JSON.readTree(String.valueOf(browser.driver().executeAsyncScript(script, blobId)));
    if (!r.path("ok").asBoolean()) {
      throw new IllegalStateException("the open in the page failed: " + r.path("code").asText() + " "
          + r.path("message").asText());
    }
    return r;
  }

  /** A drained open: plaintext bytes, and ms from the openBlob call to its answer, first chunk and end. */
  public record Drain(long bytes, double openedMillis, double firstMillis, double doneMillis) {}

  /**
   * A first byte after navigation: ms from navigation start to the load event, to the measuring
   * script's start and to the first plaintext chunk; ms of a second open in the same page.
   */
  public record FirstByte(double loadedMillis, double scriptMillis, double firstMillis, double againMillis, long bytes) {}

  /**
   * ms for the whole blob ({@code bytes}) read by ranges: 4 MiB joined from chunks, 4 MiB as one
   * buffer, 4 MiB two at a time, 16 MiB; and for as many 1 MiB AES-GCM decryptions, one and four at a time.
   */
  public record Split(long bytes, double joined4Millis, double buffer4Millis, double ahead4Millis,
      double buffer16Millis, double decrypt1Millis, double decrypt4Millis) {}
}
