package io.cachet.cli.serve;

import picocli.CommandLine.Command;

/** {@code cachet gateway}: the storage network's publisher and aggregator. */
@Command(name = "gateway", description = "Run the storage gateway (publisher and aggregator).",
    subcommands = GatewayServeCommand.class)
public final class GatewayCommand {}
