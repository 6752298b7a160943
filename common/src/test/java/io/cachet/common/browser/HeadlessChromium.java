package io.cachet.common.browser;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.UnexpectedAlertBehaviour;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * One headless Chromium session for the browser tests (the console's, the viewer's, the examples'): Debian's
 * {@code chromium} driven by its {@code chromedriver}, both named by path, so Selenium Manager
 * never runs and nothing is fetched from the internet (the surefire JVM also has
 * {@code SE_OFFLINE=true}, in its environment and as a system property, which Selenium hands to
 * Selenium Manager should anything start it).
 * Each session has its own profile directory and download directory, and keeps the page's console
 * log so a test can assert that no script failed and no Content-Security-Policy was violated.
 *
 * <p>Whether a missing browser skips or fails is decided here only ({@link #assumeAvailable}):
 * skipped with a printed reason, unless {@value #REQUIRE_ENV}=1 (CI), where it fails.
 */
public final class HeadlessChromium implements AutoCloseable {
  /** Debian's Chromium (package {@code chromium}). */
  public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  /** Debian's ChromeDriver (package {@code chromium-driver}), of the same version as the browser. */
  public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  /** The environment variable that makes a missing browser a failure instead of a skip. */
  public static final String REQUIRE_ENV = "CACHET_REQUIRE_BROWSER";
  /** How long a page step may take on a loaded two-core machine. */
  public static final Duration PAGE_WAIT = Duration.ofSeconds(30);
  /** How long a step that goes through the network (a put, a get, a part stopped) may take. */
  public static final Duration NETWORK_WAIT = Duration.ofSeconds(60);
  /** The tallest page picture, in pixels: long enough for a page's lists, short enough to read. */
  public static final int PAGE_SHOT_MAX_HEIGHT = 1600;

  /**
   * Selenium's DevTools finder warns on every session that it has no CDP classes for Debian's
   * Chromium version; these tests use only the driver's own CDP command, which needs none. Held
   * here so the level set stays set (java.util.logging keeps loggers weakly).
   */
  private static final Logger CDP_FINDER =
      Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

  private final ChromeDriverService service;
  private final ChromeDriver driver;
  private final Path downloads;
  private final List<LogEntry> log = new ArrayList<>();

  private HeadlessChromium(ChromeDriverService service, ChromeDriver driver, Path downloads) {
    this.service = service;
    this.driver = driver;
    this.downloads = downloads;
  }

  /**
   * Returns when Chromium and ChromeDriver are installed; otherwise skips the calling test with the
   * reason printed, or fails it when {@value #REQUIRE_ENV}=1.
   */
  public static void assumeAvailable() {
    assumeAvailable(List.of(CHROMIUM, CHROMEDRIVER), System.getenv(REQUIRE_ENV));
  }

  /** The decision of {@link #assumeAvailable()}, for {@code needed} programs and the value of {@value #REQUIRE_ENV}. */
  public static void assumeAvailable(List<Path> needed, String require) {
    List<String> missing = new ArrayList<>();
    for (Path p : needed) {
      if (!Files.isExecutable(p)) {
        missing.add(p.toString());
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    String reason = "the browser tests need " + String.join(" and ", missing)
        + " (Debian: apt-get install chromium chromium-driver)";
    if ("1".equals(require)) {
      throw new AssertionError(reason + "; " + REQUIRE_ENV + "=1 makes a missing browser a failure");
    }
    System.out.println("SKIPPED: " + reason);
    Assumptions.abort(reason);
  }

  /**
   * A new session with its own profile in {@code profile} and its downloads saved to
   * {@code downloads} without asking; {@code extraArguments} are added to Chromium's.
   */
  public static HeadlessChromium start(Path profile, Path downloads, String... extraArguments) throws IOException {
    assumeAvailable();
    offline();
    Files.createDirectories(profile);
    Files.createDirectories(downloads);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic", "--disable-default-apps",
        "--disable-domain-reliability", "--window-size=1280,900", "--user-data-dir=" + profile.toAbsolutePath());
    options.addArguments(extraArguments);
    Map<String, Object> prefs = new HashMap<>();
    prefs.put("download.default_directory", downloads.toAbsolutePath().toString());
    prefs.put("download.prompt_for_download", false);
    prefs.put("download.directory_upgrade", true);
    prefs.put("safebrowsing.enabled", false);
    options.setExperimentalOption("prefs", prefs);
    LoggingPreferences logging = new LoggingPreferences();
    logging.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logging);
    // a page's confirm() is answered by the test, not dismissed by the driver behind its back
    options.setUnhandledPromptBehaviour(UnexpectedAlertBehaviour.IGNORE);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .withSilent(true)
        .build();
    ChromeDriver driver;
    try {
      driver = new ChromeDriver(service, options);
    } catch (RuntimeException e) {
      service.stop();
      throw e;
    }
    // headless Chromium saves downloads only where it is told to through the DevTools protocol
    driver.executeCdpCommand("Browser.setDownloadBehavior", Map.of("behavior", "allow", "downloadPath",
        downloads.toAbsolutePath().toString()));
    driver.manage().timeouts().pageLoadTimeout(PAGE_WAIT).scriptTimeout(PAGE_WAIT);
    return new HeadlessChromium(service, driver, downloads);
  }

  /** Selenium passes system properties named SE_* to Selenium Manager's environment. */
  private static void offline() {
    CDP_FINDER.setLevel(Level.SEVERE);
    System.setProperty("SE_OFFLINE", "true");
    System.setProperty("SE_AVOID_STATS", "true");
  }

  public ChromeDriver driver() {
    return driver;
  }

  public Path downloads() {
    return downloads;
  }

  /** Opens the link {@code cachet console} printed and waits for the first page to be ready. */
  public void openConsole(URI link) {
    driver.get(link.toString());
    waitReady();
  }

  /**
   * The cookie {@code name} this browser holds for the current page's site, as {@code name=value}
   * (WebDriver reads HttpOnly cookies; the page's scripts cannot), such as the console's session.
   */
  public String cookie(String name) {
    Cookie c = driver.manage().getCookieNamed(name);
    if (c == null) {
      throw new IllegalStateException("this browser holds no cookie " + name + " for " + driver.getCurrentUrl());
    }
    return c.getName() + "=" + c.getValue();
  }

  /** The CSRF token the console's page keeps in its origin's storage. The browser must be on the console's origin. */
  public String csrf() {
    Object token = ((org.openqa.selenium.JavascriptExecutor) driver)
        .executeScript("return localStorage.getItem('cachet-console-csrf');");
    if (token == null) {
      throw new IllegalStateException("this browser's console page holds no CSRF token");
    }
    return token.toString();
  }

  /** Goes to a page of the console by its hash ({@code files}, {@code policy/ID}, ...) and waits until it is ready. */
  public void go(String hash) {
    driver.executeScript("document.getElementById('page').dataset.ready = 'false'; location.hash = arguments[0];",
        hash);
    waitReady();
  }

  /** Waits until the shell has rendered the current page ({@code main[data-ready=true]}). */
  public void waitReady() {
    waitFor(By.cssSelector("main#page[data-ready='true']"), PAGE_WAIT);
  }

  /** The element, once it is present and shown. */
  public WebElement waitFor(By by, Duration limit) {
    return new WebDriverWait(driver, limit).until(ExpectedConditions.visibilityOfElementLocated(by));
  }

  /** The element, once it is in the page (shown or not). */
  public WebElement waitPresent(By by, Duration limit) {
    return new WebDriverWait(driver, limit).until(ExpectedConditions.presenceOfElementLocated(by));
  }

  /** Waits until {@code by}'s attribute {@code name} is {@code value}; returns the element. */
  public WebElement waitAttribute(By by, String name, String value, Duration limit) {
    new WebDriverWait(driver, limit).ignoring(StaleElementReferenceException.class)
        .until(d -> {
          List<WebElement> found = d.findElements(by);
          return !found.isEmpty() && value.equals(found.get(0).getDomAttribute(name));
        });
    return driver.findElement(by);
  }

  /** Waits until {@code by}'s attribute {@code name} is one of {@code values}; returns the value. */
  public String waitAttributeIn(By by, String name, List<String> values, Duration limit) {
    return new WebDriverWait(driver, limit).ignoring(StaleElementReferenceException.class)
        .until(d -> {
          List<WebElement> found = d.findElements(by);
          String v = found.isEmpty() ? null : found.get(0).getDomAttribute(name);
          return v != null && values.contains(v) ? v : null;
        });
  }

  /** Clicks once the element is clickable. */
  public void click(By by) {
    new WebDriverWait(driver, PAGE_WAIT).until(ExpectedConditions.elementToBeClickable(by)).click();
  }

  /** Replaces an input's text. */
  public void type(By by, String text) {
    WebElement e = waitFor(by, PAGE_WAIT);
    e.clear();
    e.sendKeys(text);
  }

  /**
   * Sets a {@code datetime-local} input's value as the page's own script would and tells the page
   * it changed (typing into one depends on the browser's locale).
   */
  public void setDateTime(By by, String localDateTime) {
    WebElement e = waitFor(by, PAGE_WAIT);
    driver.executeScript("arguments[0].value = arguments[1];"
        + "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
        + "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", e, localDateTime);
  }

  public Object script(String js, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(js, args);
  }

  /**
   * The one file saved to the download directory whose name is not yet in {@code before}, once
   * Chromium has finished writing it.
   */
  public Path waitDownload(List<Path> before, Duration limit) {
    return new WebDriverWait(driver, limit).until(d -> {
      try (Stream<Path> files = Files.list(downloads)) {
        List<Path> fresh = files.filter(p -> !before.contains(p)).toList();
        if (fresh.size() != 1 || fresh.get(0).getFileName().toString().endsWith(".crdownload")) {
          return null;
        }
        return fresh.get(0);
      } catch (IOException e) {
        return null;
      }
    });
  }

  /** The files in the download directory now. */
  public List<Path> downloaded() throws IOException {
    try (Stream<Path> files = Files.list(downloads)) {
      return files.toList();
    }
  }

  /** Everything the page's console has said so far in this session (kept across calls). */
  public List<LogEntry> log() {
    log.addAll(driver.manage().logs().get(LogType.BROWSER).getAll());
    return List.copyOf(log);
  }

  /**
   * What in the page's console log means the page is broken: a Content-Security-Policy violation
   * or an uncaught script error. A refused request (the page shows those itself) is not one.
   */
  public List<String> problems() {
    return log().stream().map(LogEntry::getMessage)
        .filter(m -> m.contains("Content Security Policy") || m.contains("Uncaught") || m.contains("SyntaxError")
            || m.contains("TypeError") || m.contains("ReferenceError"))
        .toList();
  }

  /** Saves a PNG of the window. */
  public void screenshot(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
  }

  /**
   * Saves a PNG of the whole page (up to {@link #PAGE_SHOT_MAX_HEIGHT} pixels), without the
   * passing notice: the window grows to the page's height for the picture and then goes back.
   */
  public void pageScreenshot(Path file) throws IOException {
    script("const n = document.getElementById('notice'); if (n) { n.hidden = true; }");
    Dimension before = driver.manage().window().getSize();
    long chrome = ((Number) script("return window.outerHeight - window.innerHeight;")).longValue();
    long page = ((Number) script("return document.documentElement.scrollHeight;")).longValue();
    int height = (int) Math.min(PAGE_SHOT_MAX_HEIGHT, Math.max(before.getHeight(), page + chrome));
    driver.manage().window().setSize(new Dimension(before.getWidth(), height));
    try {
      script("window.scrollTo(0, 0);");
      screenshot(file);
    } finally {
      driver.manage().window().setSize(before);
    }
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.stop();
    }
  }
}
