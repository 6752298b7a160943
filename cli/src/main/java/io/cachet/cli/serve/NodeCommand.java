package io.cachet.cli.serve;

import picocli.CommandLine.Command;

/** {@code cachet node}: a storage node of the network a kit made by {@code cachet network init} describes. */
@Command(name = "node", description = "Run a storage node.", subcommands = NodeServeCommand.class)
public final class NodeCommand {}
