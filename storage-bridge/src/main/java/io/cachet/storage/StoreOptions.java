package io.cachet.storage;

/**
 * How to store a blob: for how many epochs ahead of the current one, whether it is permanent
 * (not deletable) and whether to force a new blob object even if one is certified already.
 */
public record StoreOptions(int epochs, boolean permanent, boolean force) {
  public StoreOptions {
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be at least 1");
    }
  }

  public static StoreOptions epochs(int epochs) {
    return new StoreOptions(epochs, false, false);
  }
}
