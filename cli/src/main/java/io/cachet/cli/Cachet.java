package io.cachet.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import io.cachet.cli.agent.AgentCommand;
import io.cachet.cli.audit.AuditCommand;
import io.cachet.cli.blob.ExtendCommand;
import io.cachet.cli.blob.GetCommand;
import io.cachet.cli.blob.InfoCommand;
import io.cachet.cli.blob.LsCommand;
import io.cachet.cli.console.ConsoleCommand;
import io.cachet.cli.contact.ContactCommand;
import io.cachet.cli.devnet.DevnetCommand;
import io.cachet.cli.blob.PutCommand;
import io.cachet.cli.blob.RmCommand;
import io.cachet.cli.blob.ShareCommand;
import io.cachet.cli.id.IdCommand;
import io.cachet.cli.keyserver.KeyServerCommand;
import io.cachet.cli.ledger.LedgerCommand;
import io.cachet.cli.network.NetworkCommand;
import io.cachet.cli.policy.PolicyCommand;
import io.cachet.cli.serve.GatewayCommand;
import io.cachet.cli.serve.NodeCommand;
import io.cachet.cli.status.StatusCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code cachet} command. It only lists its subcommands; each lives in a class of its own.
 * {@link #newCommandLine} gives every command of the tree the same help ({@link HelpLayout}), the
 * same way of failing ({@link CommandError}, {@link BadCommandLine}) and, with {@code --json},
 * exactly one document on stdout ({@link JsonAnswer}).
 */
@Command(
    name = "cachet",
    mixinStandardHelpOptions = true,
    versionProvider = Cachet.Version.class,
    description = {"Private files on decentralized storage: encrypt locally, split the key across key servers.",
        "Every command takes --help and --json; 'cachet help COMMAND' shows a command's help at any depth."},
    subcommands = {DemoCommand.class, DevnetCommand.class, IdCommand.class, PolicyCommand.class, PutCommand.class, GetCommand.class,
        ShareCommand.class, LsCommand.class, InfoCommand.class, ExtendCommand.class, RmCommand.class,
        AuditCommand.class, LedgerCommand.class, KeyServerCommand.class, ContactCommand.class, StatusCommand.class,
        AgentCommand.class, ConsoleCommand.class,
        NetworkCommand.class, NodeCommand.class, GatewayCommand.class,
        HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    footer = {"", "Examples:", "  cachet demo", "  cachet devnet up", "  cachet help policy grant",
        "", "State lives in --home DIR, else $CACHET_HOME, else $HOME/.cachet.", "The reference is docs/CLI.md."})
public final class Cachet {

  public static void main(String[] args) {
    if (System.getProperty("cachet.log.level") == null) {
      // the ledger's journal reports through java.util.logging; a command shows only what went wrong
      java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
    }
    System.exit(newCommandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true)).execute(args));
  }

  /** The command line with its output writers, so tests see exactly what a person would. */
  public static CommandLine newCommandLine(PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Cachet()) {
      @Override
      public int execute(String... args) {
        return super.execute(BlobIdArguments.protect(this, args));
      }
    };
    cl.setOut(out);
    cl.setErr(err);
    // a relative path is the caller's: under 'cachet agent' the run's directory is not this process's
    cl.registerConverter(java.nio.file.Path.class, text -> Invocation.current().resolve(text));
    cl.getCommandSpec().usageMessage().exitCodeList(ExitCodes.meanings());
    HelpLayout.apply(cl, HelpLayout.width(Invocation.current()));
    cl.setExecutionStrategy(new JsonAnswer());
    cl.setParameterExceptionHandler(new BadCommandLine());
    cl.setExecutionExceptionHandler(CommandError::report);
    return cl;
  }

  static String version() {
    Properties p = new Properties();
    try (InputStream in = Cachet.class.getResourceAsStream("/cachet-version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // the version is informative only
    }
    return p.getProperty("version", "dev");
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"cachet " + version()};
    }
  }
}
