package io.cachet.cli.id;

import picocli.CommandLine.Command;

/** {@code cachet id}: the identities this machine holds. */
@Command(
    name = "id",
    description = {"Create, import and list identities.",
        "An identity is an Ed25519 key (the embedded ledger) or, for EVM chains, a secp256k1 key, kept in a"
            + " passphrase-encrypted keystore."},
    subcommands = {IdNewCommand.class, IdImportCommand.class, IdListCommand.class, IdShowCommand.class,
        IdExportCommand.class},
    footer = {"", "Examples:", "  cachet id new alice", "  cachet id new carol --evm",
        "  cachet id import dave --evm-key-file dave.key", "  cachet id list", "  cachet id show alice --json",
        "  cachet id export     # the line a friend runs to add you as a contact"})
public final class IdCommand {}
