package io.cachet.storage.walrus;

import java.net.URI;

/**
 * The publisher or the aggregator: its role, for messages a person reads ("the aggregator at
 * 127.0.0.1:31417"), and its base URL, for requests. Messages name the role and host:port only,
 * never the URL's path.
 */
record Endpoint(String role, URI base) {
  static final String PUBLISHER = "publisher";
  static final String AGGREGATOR = "aggregator";

  /** host:port, with the scheme's default port when the URL names none. */
  String hostPort() {
    int port = base.getPort() >= 0 ? base.getPort() : "https".equals(base.getScheme()) ? 443 : 80;
    String host = base.getHost();
    return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
  }

  /** "the aggregator at 127.0.0.1:31417" */
  String named() {
    return "the " + role + " at " + hostPort();
  }

  /** The absolute URL of {@code path} (which starts with a slash) under the base URL. */
  String url(String path) {
    return base + path;
  }
}
