package io.cachet.bench.browser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * One headless Chromium for the browser figures, started as the viewer tests start theirs: Debian's
 * {@code chromium} and its {@code chromedriver} named by path, so Selenium Manager never runs and
 * nothing is fetched ({@code SE_OFFLINE=true} besides), no sandbox, background networking off, and
 * a profile directory of its own, so its identity is this run's only.
 */
public final class BenchChromium implements AutoCloseable {
  public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  /** Selenium warns on every session that it has no CDP classes for Debian's version; none are used. */
  private static final Logger CDP_FINDER = Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

  private final ChromeDriverService service;
  private final ChromeDriver driver;

  private BenchChromium(ChromeDriverService service, ChromeDriver driver) {
    this.service = service;
    this.driver = driver;
  }

  /** A new session whose profile lives in {@code profile}; scripts may run for {@code scriptLimit}. */
  public static BenchChromium start(Path profile, Duration scriptLimit) throws IOException {
    for (Path p : new Path[] {CHROMIUM, CHROMEDRIVER}) {
      if (!Files.isExecutable(p)) {
        throw new IllegalStateException("the browser figures need " + p + " (Debian: apt-get install chromium chromium-driver)");
      }
    }
    CDP_FINDER.setLevel(Level.SEVERE);
    System.setProperty("SE_OFFLINE", "true");
    System.setProperty("SE_AVOID_STATS", "true");
    Files.createDirectories(profile);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic", "--disable-default-apps",
        "--disable-domain-reliability", "--window-size=1280,900", "--user-data-dir=" + profile.toAbsolutePath());
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
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60)).scriptTimeout(scriptLimit);
    return new BenchChromium(service, driver);
  }

  public ChromeDriver driver() {
    return driver;
  }

  /** The browser's version, as it reports itself to the page. */
  public String version() {
    return String.valueOf(driver.getCapabilities().getBrowserVersion());
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
