package io.cachet.storage.walrus;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a {@link WalrusBlobStore} writes and reads, and how patiently. Immutable; a bad setting
 * fails at {@link Builder#build()}.
 *
 * <p>The URLs are base URLs ({@code https://publisher.example.com} or one with a path prefix); the
 * store appends {@code /v1/blobs}. They may not carry a query, a fragment or user info: credentials
 * belong in the bearer token, which is the one secret here. It is sent only as an
 * {@code Authorization} header to the publisher, never to the aggregator, and {@link #toString()}
 * prints whether one is set, never the token.
 */
public final class WalrusConfig {
  /** Long enough for a TLS handshake across continents, short enough to notice a dead host. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /**
   * From sending a request until the response headers arrive. An upload counts in full against it
   * (Walrus writes take tens of seconds at the median, large blobs longer); a read stops counting
   * once the headers are in, so a long download is not cut off.
   */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofMinutes(5);
  /**
   * Longest a read of a response body may wait for its next bytes before the connection is
   * dropped and the read fails, so a server that stops sending mid-body cannot hold the reader
   * forever. Time the caller spends between reads does not count.
   */
  public static final Duration DEFAULT_READ_STALL_TIMEOUT = Duration.ofSeconds(60);

  private final URI publisher;
  private final URI aggregator;
  private final String bearerToken;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final Duration readStallTimeout;
  private final RetryPolicy retry;

  private WalrusConfig(Builder b) {
    this.publisher = b.publisher;
    this.aggregator = b.aggregator;
    this.bearerToken = b.bearerToken;
    this.connectTimeout = b.connectTimeout;
    this.requestTimeout = b.requestTimeout;
    this.readStallTimeout = b.readStallTimeout;
    this.retry = b.retry;
  }

  /** A configuration with every default and no token. */
  public static WalrusConfig of(String publisherUrl, String aggregatorUrl) {
    return builder().publisher(publisherUrl).aggregator(aggregatorUrl).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.publisher = publisher;
    b.aggregator = aggregator;
    b.bearerToken = bearerToken;
    b.connectTimeout = connectTimeout;
    b.requestTimeout = requestTimeout;
    b.readStallTimeout = readStallTimeout;
    b.retry = retry;
    return b;
  }

  /** The publisher's base URL, without a trailing slash. */
  public URI publisher() {
    return publisher;
  }

  /** The aggregator's base URL, without a trailing slash. */
  public URI aggregator() {
    return aggregator;
  }

  public boolean hasBearerToken() {
    return bearerToken != null;
  }

  /** Package-private so that only the store reads the secret. */
  Optional<String> bearerToken() {
    return Optional.ofNullable(bearerToken);
  }

  public Duration connectTimeout() {
    return connectTimeout;
  }

  public Duration requestTimeout() {
    return requestTimeout;
  }

  public Duration readStallTimeout() {
    return readStallTimeout;
  }

  public RetryPolicy retry() {
    return retry;
  }

  @Override
  public String toString() {
    return "WalrusConfig[publisher=" + publisher + ", aggregator=" + aggregator
        + ", bearerToken=" + (bearerToken == null ? "none" : "<redacted>")
        + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout
        + ", readStallTimeout=" + readStallTimeout + ", retry=" + retry + "]";
  }

  /** Collects settings; the two URLs are required, everything else has a default. */
  public static final class Builder {
    private URI publisher;
    private URI aggregator;
    private String bearerToken;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private Duration readStallTimeout = DEFAULT_READ_STALL_TIMEOUT;
    private RetryPolicy retry = RetryPolicy.defaults();

    private Builder() {}

    public Builder publisher(String url) {
      this.publisher = baseUrl("publisher", url);
      return this;
    }

    public Builder publisher(URI url) {
      return publisher(url == null ? null : url.toString());
    }

    public Builder aggregator(String url) {
      this.aggregator = baseUrl("aggregator", url);
      return this;
    }

    public Builder aggregator(URI url) {
      return aggregator(url == null ? null : url.toString());
    }

    /** The publisher's JWT (without "Bearer "); null for none. */
    public Builder bearerToken(String token) {
      if (token != null && (token.isEmpty() || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f))) {
        // Refusing control characters rules out header injection; the token itself is not echoed.
        throw new IllegalArgumentException("bearerToken must be non-empty printable ASCII without spaces");
      }
      this.bearerToken = token;
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = timeout;
      return this;
    }

    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = timeout;
      return this;
    }

    public Builder readStallTimeout(Duration timeout) {
      this.readStallTimeout = timeout;
      return this;
    }

    public Builder retry(RetryPolicy retry) {
      this.retry = retry;
      return this;
    }

    public WalrusConfig build() {
      if (publisher == null) {
        throw new IllegalArgumentException("publisher URL is required");
      }
      if (aggregator == null) {
        throw new IllegalArgumentException("aggregator URL is required");
      }
      Objects.requireNonNull(retry, "retry");
      positive("connectTimeout", connectTimeout);
      positive("requestTimeout", requestTimeout);
      positive("readStallTimeout", readStallTimeout);
      return new WalrusConfig(this);
    }

    private static void positive(String name, Duration d) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, not " + d);
      }
    }

    private static URI baseUrl(String role, String url) {
      if (url == null) {
        throw new IllegalArgumentException(role + " URL is required");
      }
      URI uri;
      try {
        uri = new URI(url.trim());
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException(role + " URL is not a URL: " + e.getReason());
      }
      String scheme = uri.getScheme();
      if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
        throw new IllegalArgumentException(role + " URL must be http or https: " + uri);
      }
      if (uri.getHost() == null) {
        throw new IllegalArgumentException(role + " URL has no host: " + uri);
      }
      if (uri.getRawUserInfo() != null) {
        // Not echoed: user info is usually a password.
        throw new IllegalArgumentException(role + " URL must not carry user info; use bearerToken");
      }
      if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
        throw new IllegalArgumentException(role + " URL must not have a query or fragment: " + uri);
      }
      String path = uri.getRawPath() == null ? "" : uri.getRawPath();
      while (path.endsWith("/")) {
        path = path.substring(0, path.length() - 1);
      }
      try {
        return new URI(scheme.toLowerCase(Locale.ROOT) + "://" + uri.getRawAuthority() + path);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException(role + " URL is not a URL: " + e.getReason());
      }
    }
  }
}
