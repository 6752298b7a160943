package io.cachet.storage;

import java.io.FilterInputStream;
import java.io.InputStream;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The bytes of one quilt patch, exactly, and what the aggregator's headers said of it: the
 * identifier ({@code X-Quilt-Patch-Identifier}) and those tags an aggregator echoes as headers
 * (Walrus's allowed headers: content-type, content-disposition, content-encoding,
 * content-language, content-location, link; lower-case keys). The full tags come from
 * {@link BlobStore#listPatches}. The caller closes the stream.
 */
public final class PatchStream extends FilterInputStream {
  private final String identifier;
  private final long length;
  private final Map<String, String> headerTags;

  public PatchStream(InputStream in, String identifier, long length, Map<String, String> headerTags) {
    super(Objects.requireNonNull(in, "in"));
    this.identifier = identifier;
    this.length = length;
    this.headerTags = Collections.unmodifiableMap(new TreeMap<>(headerTags));
  }

  /** The identifier the aggregator named, or null when it sent none. */
  public String identifier() {
    return identifier;
  }

  /** The patch's length from Content-Length, -1 when the aggregator did not say. */
  public long length() {
    return length;
  }

  /** Tags the aggregator echoed as headers, by lower-case header name; often empty. */
  public Map<String, String> headerTags() {
    return headerTags;
  }
}
