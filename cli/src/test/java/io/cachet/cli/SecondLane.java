package io.cachet.cli;

/**
 * The lock of the module's second lane of classes (junit-platform.properties): classes that hold
 * it, marked {@code @Execution(CONCURRENT)}, run one after another beside the sequence of all the
 * others, each its own tests in order. They are long classes that start processes of their own
 * and share nothing with the sequence's classes (each starts a network of its own; no browser, no
 * fixed port), so the module's two lanes keep both cores busy where one sequence left one of them
 * idle for minutes.
 */
public final class SecondLane {
  public static final String LOCK = "cli-second-lane";

  private SecondLane() {}
}
