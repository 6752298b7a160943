package io.cachet.cli.id;

import picocli.CommandLine.Command;

/** {@code cachet id}: the identities this machine holds. */
@Command(
    name = "id",
    description = "Create and list identities (Ed25519 keys in passphrase-encrypted keystores).",
    subcommands = {IdNewCommand.class, IdListCommand.class, IdShowCommand.class},
    footer = {"", "Examples:", "  cachet id new alice", "  cachet id list", "  cachet id show alice --json"})
public final class IdCommand {}
