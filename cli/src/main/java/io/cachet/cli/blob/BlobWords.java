package io.cachet.cli.blob;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cachet.cli.Plain;
import io.cachet.storage.network.EpochSchedule;
import java.time.Instant;

/**
 * What {@code ls}, {@code info} and {@code extend} say of a blob's certification, in words and in
 * JSON, so the three say it the same way. The chain's record is the authority: an index entry says
 * only what the put saw.
 */
final class BlobWords {
  private BlobWords() {}

  /** "certified until 2026-12-07 14:00 UTC, in 3 h", "expired", "not recorded on the ledger", or why it is not known. */
  static String certification(NetworkReads.Certification c, EpochSchedule schedule, Instant now) {
    return switch (c.state()) {
      case RECORDED -> expired(c.endEpoch(), schedule, now) ? "expired"
          : "certified " + Plain.expiry(c.endEpoch(), schedule, now);
      case NOT_RECORDED -> "not recorded on the ledger";
      case UNKNOWN -> "not checked: " + c.problem();
    };
  }

  /** Whether a lifetime ending at the exclusive {@code endEpoch} is over (false when the schedule is unknown). */
  static boolean expired(long endEpoch, EpochSchedule schedule, Instant now) {
    return schedule != null && schedule.epochAt(now.toEpochMilli()) >= endEpoch;
  }

  /** The end epoch to believe: the chain's record when there is one, else what the index saw. */
  static long endEpoch(NetworkReads.Certification c, BlobEntry entry) {
    if (c.isRecorded()) {
      return c.endEpoch();
    }
    return entry == null ? -1 : entry.endEpoch();
  }

  /** {@code certification}: {state: recorded|not-recorded|unknown, endEpoch, confirmations, recordedAt, expired, problem}. */
  static void certificationJson(ObjectNode o, NetworkReads.Certification c, EpochSchedule schedule, Instant now) {
    ObjectNode j = o.putObject("certification");
    j.put("state", switch (c.state()) {
      case RECORDED -> "recorded";
      case NOT_RECORDED -> "not-recorded";
      case UNKNOWN -> "unknown";
    });
    if (c.isRecorded()) {
      j.put("endEpoch", c.endEpoch());
      j.put("size", c.size());
      j.put("confirmations", c.confirmations());
      j.put("recordedAt", c.recordedAt().toString());
      if (schedule != null) {
        j.put("expired", expired(c.endEpoch(), schedule, now));
      }
    }
    if (c.problem() != null) {
      j.put("problem", c.problem());
    }
  }

  /** {@code endEpoch}, and {@code expiresAt} (ISO-8601) and {@code epochMillis} when the schedule is known. */
  static void lifetimeJson(ObjectNode o, long endEpoch, EpochSchedule schedule) {
    o.put("endEpoch", endEpoch);
    if (schedule != null && endEpoch >= 0) {
      o.put("expiresAt", Plain.endOf(endEpoch, schedule).toString());
      o.put("epochMillis", schedule.epochMillis());
    }
  }

  /** A long id shown by eye: its first 8 and last 4 characters. */
  static String shortId(String id) {
    return id == null ? "-" : id.length() <= 14 ? id : id.substring(0, 8) + "…" + id.substring(id.length() - 4);
  }
}
