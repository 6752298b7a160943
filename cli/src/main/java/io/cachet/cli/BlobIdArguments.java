package io.cachet.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Blob ids that start with '-'.
 *
 * <p>A blob id is 43 characters of URL-safe base64, so one in 64 starts with '-', and a command
 * line parser takes it for an option: {@code cachet get -DU6J… -o out} would fail with "missing
 * BLOB", or worse, {@code -oU6J…} would parse as {@code -o U6J…}. Before parsing, every argument
 * that has exactly a blob id's shape and starts with '-' is moved after a {@code --} at the end,
 * where only positional parameters are read, keeping the order of such arguments. No option of
 * the command is 43 characters of that alphabet, so nothing else moves.
 */
final class BlobIdArguments {
  private static final Pattern DASHED_BLOB_ID = Pattern.compile("-[A-Za-z0-9_-]{42}");

  private BlobIdArguments() {}

  static String[] protect(String[] args) {
    int end = args.length;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--")) {
        end = i;
        break;
      }
    }
    List<String> options = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < end; i++) {
      (DASHED_BLOB_ID.matcher(args[i]).matches() ? ids : options).add(args[i]);
    }
    if (ids.isEmpty()) {
      return args;
    }
    List<String> out = new ArrayList<>(options);
    out.add("--");
    out.addAll(ids);
    for (int i = end + 1; i < args.length; i++) {
      out.add(args[i]);
    }
    return out.toArray(String[]::new);
  }
}
