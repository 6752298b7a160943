package io.cachet.crypto;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;
import org.bouncycastle.crypto.threshold.ShamirSecretSplitter;
import org.bouncycastle.crypto.threshold.ShamirSplitSecret;
import org.bouncycastle.crypto.threshold.ShamirSplitSecretShare;

/**
 * t-of-n Shamir sharing of a {@link DataKey} over GF(2^8), done by Bouncy Castle's
 * {@code crypto.threshold} (AES field polynomial, table mode). Share {@code i} is the polynomial
 * at x = i, for i in 1..n.
 *
 * <p>Consistency: with more than t shares, {@link #combine} checks that all of them lie on one
 * polynomial. For each share beyond the first t it rebuilds the secret from the first t-1 shares
 * plus that one; a point off the polynomial P through the first t changes the constant term
 * (the difference of the two interpolants is c * prod(x - x_i) with c != 0, and no x_i is 0), so
 * any disagreement is caught.
 */
public final class Shamir {
  /** Largest n the envelope format admits. */
  public static final int MAX_SHARES = 32;

  private Shamir() {}

  /** Validates 1 <= t <= n <= {@value #MAX_SHARES}. */
  public static void checkThreshold(int t, int n) {
    if (n < 1 || n > MAX_SHARES) {
      throw new IllegalArgumentException("n must be 1.." + MAX_SHARES + ", was " + n);
    }
    if (t < 1 || t > n) {
      throw new IllegalArgumentException("threshold t must be 1..n (n=" + n + "), was " + t);
    }
  }

  public static List<Share> split(DataKey key, int t, int n, SecureRandom random) {
    checkThreshold(t, n);
    byte[] secret = key.bytes();
    try {
      ShamirSecretSplitter splitter = new ShamirSecretSplitter(
          ShamirSecretSplitter.Algorithm.AES, ShamirSecretSplitter.Mode.Table, DataKey.LENGTH, random);
      ShamirSplitSecretShare[] parts = splitter.resplit(secret, t, n).getSecretShares();
      List<Share> shares = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        byte[] v = parts[i].getEncoded();
        shares.add(new Share(i + 1, v));
        Arrays.fill(v, (byte) 0);
      }
      return List.copyOf(shares);
    } catch (IOException e) {
      throw new IllegalStateException("Shamir split failed", e);
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
  }

  /**
   * Rebuilds the key from at least t shares with distinct indices in 1..n, checking that every
   * share given lies on the same polynomial.
   */
  public static DataKey combine(Collection<Share> shares, int t, int n)
      throws InsufficientSharesException, InconsistentSharesException {
    checkThreshold(t, n);
    TreeMap<Integer, Share> byIndex = new TreeMap<>();
    for (Share s : shares) {
      if (s.index() > n) {
        throw new IllegalArgumentException("share index " + s.index() + " is beyond n=" + n);
      }
      Share prior = byIndex.putIfAbsent(s.index(), s);
      if (prior != null && !prior.sameAs(s)) {
        throw new InconsistentSharesException("two different shares for index " + s.index());
      }
    }
    if (byIndex.size() < t) {
      throw new InsufficientSharesException("need " + t + " distinct shares, have " + byIndex.size());
    }
    List<Share> ordered = new ArrayList<>(byIndex.values());
    byte[] secret = interpolate(ordered.subList(0, t));
    try {
      for (Share extra : ordered.subList(t, ordered.size())) {
        List<Share> probe = new ArrayList<>(ordered.subList(0, t - 1));
        probe.add(extra);
        byte[] again = interpolate(probe);
        boolean same = MessageDigest.isEqual(secret, again);
        Arrays.fill(again, (byte) 0);
        if (!same) {
          throw new InconsistentSharesException("share " + extra.index()
              + " does not lie on the polynomial of shares " + indices(ordered.subList(0, t)));
        }
      }
      return DataKey.of(secret);
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
  }

  private static byte[] interpolate(List<Share> shares) {
    ShamirSplitSecretShare[] parts = new ShamirSplitSecretShare[shares.size()];
    byte[][] values = new byte[shares.size()][];
    try {
      for (int i = 0; i < parts.length; i++) {
        values[i] = shares.get(i).value();
        parts[i] = new ShamirSplitSecretShare(values[i], shares.get(i).index());
      }
      return new ShamirSplitSecret(ShamirSecretSplitter.Algorithm.AES, ShamirSecretSplitter.Mode.Table, parts)
          .getSecret();
    } catch (IOException e) {
      throw new IllegalStateException("Shamir interpolation failed", e);
    } finally {
      for (byte[] v : values) {
        if (v != null) {
          Arrays.fill(v, (byte) 0);
        }
      }
    }
  }

  private static List<Integer> indices(List<Share> shares) {
    return shares.stream().map(Share::index).toList();
  }
}
