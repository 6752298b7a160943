package io.cachet.cli.contact;

import picocli.CommandLine.Command;

/** {@code cachet contact}: names for other people's addresses, usable wherever an address is asked for. */
@Command(
    name = "contact",
    description = {"Name the addresses of people you share with.",
        "A grant, an admin or a new owner can then be given by name, and listings show the name beside the"
            + " address. Contacts are kept in HOME/contacts.json, readable by you only."},
    subcommands = {ContactAddCommand.class, ContactListCommand.class, ContactRemoveCommand.class},
    footer = {"", "Examples:",
        "  cachet contact add bob 0x5e1f...   # the line 'cachet id export' printed",
        "  cachet policy grant 0x77aa... bob", "  cachet contact list", "  cachet contact remove bob"})
public final class ContactCommand {}
