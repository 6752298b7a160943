package io.cachet.client;

import java.util.Objects;

/**
 * Something a putter should know about what they just sealed, which does not stop the put: most
 * often that they cannot open it themselves at the moment (the owner of an allow-list is not on
 * it until granted; a time lock is closed to everyone until it opens).
 *
 * @param reason the key servers' reason code the putter would be refused with now ({@code
 *     NOT_A_MEMBER}, {@code NOT_YET_VALID}, {@code EXPIRED}, {@code LOCKED})
 * @param message one sentence for a person, naming the policy and the time
 */
public record SealWarning(String reason, String message) {
  public SealWarning {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
  }
}
