package dev.sluice.server;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.sluice.core.audit.AuditReader;
import dev.sluice.core.audit.AuditSearch;
import dev.sluice.core.audit.AuditSearch.Field;
import dev.sluice.core.audit.SessionSummary;
import dev.sluice.core.config.ConfigLoader;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.store.AuditStores;

/** {@code sluice sessions}: lists recorded sessions, newest first; also while Sluice is running. */
@Command(name = "sessions", description = "List the sessions in the audit trail, newest first.")
final class SessionsCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, description = "the Sluice YAML config file")
    Path config;

    @Option(names = "--subject")
    String subject;

    @Option(names = "--connection")
    String connection;

    @Option(names = "--since", description = "started after: 1d (ago) or an ISO-8601 instant")
    String since;

    @Option(names = "--limit", description = "at most this many sessions (default 100)")
    int limit = 100;

    @Option(names = "--json", description = "one JSON object a line: id, subject, connection, protocol, started, "
            + "ended, statements, end_reason")
    boolean json;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        SluiceConfig loaded = ConfigLoader.load(config.toAbsolutePath());
        if (limit < 1 || limit > AuditSearch.MAX_LIMIT) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--limit must be from 1 to " + AuditSearch.MAX_LIMIT);
        }
        AuditSearch search = AuditSearch.all().withLimit(limit);
        if (subject != null) {
            search = search.with(Field.SUBJECT, subject);
        }
        if (connection != null) {
            search = search.with(Field.CONNECTION, connection);
        }
        if (since != null) {
            search = search.withSince(CliDurations.instant(since, Instant.now()));
        }
        PrintWriter out = spec.commandLine().getOut();
        try (AuditReader reader = AuditStores.reader(loaded)) {
            for (SessionSummary s : reader.sessions(search)) {
                out.println(json ? EvidenceJson.line(EvidenceJson.session(s)) : human(s));
            }
        }
        out.flush();
        return 0;
    }

    private static String human(SessionSummary s) {
        return CliText.escape(s.id()) + "  " + s.started() + "  " + CliText.escape(s.subject()) + " @"
                + CliText.escape(s.connection()) + "  " + s.statements() + " statements  "
                + s.ended().map(e -> "ended " + e + " (" + CliText.escape(s.endReason()) + ")").orElse("open");
    }
}
