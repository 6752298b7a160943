package io.cachet.cli.agent;

import picocli.CommandLine.Command;

/** {@code cachet agent}: a warm process that holds unlocked identities and runs commands fast. */
@Command(
    name = "agent",
    description = {"Hold unlocked identities and run commands in a warm JVM, like ssh-agent.",
        "A background process that holds unlocked identities for a time and runs 'cachet' commands in its"
            + " warm JVM, so they start fast and ask no passphrase. Reachable only by you, through"
            + " HOME/agent/agent.sock (see docs/CLI.md, 'The agent')."},
    subcommands = {AgentStartCommand.class, AgentAddCommand.class, AgentLockCommand.class, AgentStatusCommand.class,
        AgentStopCommand.class},
    footer = {"", "Examples:", "  cachet agent start --ttl 8h", "  cachet agent add alice",
        "  cachet get BLOB -o out.pdf",
        "  cachet agent lock", "  cachet agent stop"})
public final class AgentCommand {}
