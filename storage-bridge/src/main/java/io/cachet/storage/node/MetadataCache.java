package io.cachet.storage.node;

import io.cachet.storage.BlobId;
import java.util.LinkedHashMap;
import java.util.Map;

/** Verified metadata files by blob id, least recently used first out. */
final class MetadataCache {
  private final LinkedHashMap<BlobId, MetadataFile> map;

  MetadataCache(int maxEntries) {
    map = new LinkedHashMap<>(64, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<BlobId, MetadataFile> eldest) {
        return size() > maxEntries;
      }
    };
  }

  synchronized MetadataFile get(BlobId id) {
    return map.get(id);
  }

  synchronized void put(BlobId id, MetadataFile m) {
    map.put(id, m);
  }

  synchronized void remove(BlobId id) {
    map.remove(id);
  }
}
