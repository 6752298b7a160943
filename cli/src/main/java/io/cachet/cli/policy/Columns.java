package io.cachet.cli.policy;

import java.io.PrintWriter;
import java.util.List;

/** A table for a person: each column as wide as its widest cell, two spaces between, no trailing blanks. */
final class Columns {
  private Columns() {}

  /** Prints {@code rows} (the first is the header), each line starting with {@code indent}. */
  static void print(PrintWriter out, String indent, List<String[]> rows) {
    int[] width = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder(indent);
      for (int i = 0; i < r.length; i++) {
        line.append(r[i]);
        if (i < r.length - 1) {
          line.append(" ".repeat(width[i] - r[i].length() + 2));
        }
      }
      out.println(line.toString().stripTrailing());
    }
  }
}
