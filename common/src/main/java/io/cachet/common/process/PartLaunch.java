package io.cachet.common.process;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How to start one part as its own OS process: a Java main on a class path, run by the running
 * JVM's own {@code java}, in a working directory, its standard output and error appended to files.
 * An immutable value; the {@code with} methods return changed copies.
 *
 * @param mainClass the class whose {@code main} runs
 * @param classPath the class path, as {@code java -cp} takes it
 * @param jvmOptions options before the main class, such as {@code -Xmx256m}
 * @param args the arguments of {@code main}
 * @param env variables added to the environment; inherited {@code CACHET_*} variables are removed
 *     first, so a part sees only the configuration it is given
 * @param workDir the working directory; it must exist
 * @param stdout where standard output is appended
 * @param stderr where standard error is appended
 */
public record PartLaunch(String mainClass, String classPath, List<String> jvmOptions, List<String> args,
    Map<String, String> env, Path workDir, Path stdout, Path stderr) {

  public PartLaunch {
    Objects.requireNonNull(mainClass, "mainClass");
    Objects.requireNonNull(classPath, "classPath");
    jvmOptions = List.copyOf(jvmOptions);
    args = List.copyOf(args);
    env = Map.copyOf(env);
    Objects.requireNonNull(workDir, "workDir");
    Objects.requireNonNull(stdout, "stdout");
    Objects.requireNonNull(stderr, "stderr");
    if (mainClass.isBlank() || classPath.isBlank()) {
      throw new IllegalArgumentException("a launch names a main class and a class path");
    }
  }

  /**
   * {@code mainClass} on this JVM's own class path, in {@code workDir}, writing
   * {@code <name>.out} and {@code <name>.err} there.
   */
  public static PartLaunch of(String name, Class<?> mainClass, Path workDir) {
    return new PartLaunch(mainClass.getName(), System.getProperty("java.class.path"), List.of(), List.of(),
        Map.of(), workDir, workDir.resolve(name + ".out"), workDir.resolve(name + ".err"));
  }

  public PartLaunch withArgs(String... newArgs) {
    return new PartLaunch(mainClass, classPath, jvmOptions, List.of(newArgs), env, workDir, stdout, stderr);
  }

  public PartLaunch withJvmOptions(String... options) {
    return new PartLaunch(mainClass, classPath, List.of(options), args, env, workDir, stdout, stderr);
  }

  public PartLaunch withEnv(Map<String, String> newEnv) {
    return new PartLaunch(mainClass, classPath, jvmOptions, args, newEnv, workDir, stdout, stderr);
  }

  public PartLaunch withClassPath(String newClassPath) {
    return new PartLaunch(mainClass, newClassPath, jvmOptions, args, env, workDir, stdout, stderr);
  }
}
