package io.cachet.cli.keyserver;

import picocli.CommandLine.Command;

/** {@code cachet keyserver}: running and maintaining one key server of a deployment. */
@Command(
    name = "keyserver",
    description = "Run a key server, rotate its key, check its audit log.",
    subcommands = {KeyServerServeCommand.class, KeyServerRotateKeyCommand.class, KeyServerVerifyAuditCommand.class},
    footer = {"", "Examples:", "  cachet keyserver serve --config /etc/cachet/ks-1.conf",
        "  cachet keyserver rotate-key --config /etc/cachet/ks-1.conf",
        "  cachet keyserver verify-audit /var/lib/cachet/ks-1/audit.log", "",
        "The keys are in docs/KEYSERVER.md; a deployment in docs/DEPLOY.md."})
public final class KeyServerCommand {}
