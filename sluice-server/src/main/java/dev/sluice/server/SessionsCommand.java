package dev.sluice.server;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.sluice.core.audit.AuditJson;
import dev.sluice.core.audit.AuditReader;
import dev.sluice.core.audit.AuditSearch;
import dev.sluice.core.audit.AuditSearch.Field;
import dev.sluice.core.audit.SessionSummary;
import dev.sluice.core.config.ConfigLoader;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.store.AuditStores;

/**
 * {@code sluice sessions}: lists recorded sessions, newest first, from the audit trail (also while Sluice is
 * running); {@code sluice sessions --live} lists the sessions open now, from a running gateway's API.
 */
@Command(name = "sessions", description = "List the sessions in the audit trail, newest first; with --live, the "
        + "sessions open now on a running gateway.")
final class SessionsCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, description = "the Sluice YAML config file (not with --live)")
    Path config;

    @Option(names = "--live", description = "the sessions open now, from the running gateway at --url (auditors)")
    boolean live;

    @CommandLine.Mixin
    ApprovalsCommand.Api api;

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
    public Integer call() throws IOException, InterruptedException {
        if (live) {
            return live();
        }
        if (config == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--config is required (or --live)");
        }
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
                out.println(json ? EvidenceJson.line(AuditJson.session(s)) : human(s));
            }
        }
        out.flush();
        return 0;
    }

    private int live() throws IOException, InterruptedException {
        var result = api.call(spec, "GET", "/api/sessions/live", java.util.Map.of());
        if (result.isEmpty()) {
            return 1;
        }
        PrintWriter out = spec.commandLine().getOut();
        for (var s : result.get().path("sessions")) {
            // every value is a caller's or the server's word: escaped so none can forge a line (CliText)
            out.println(json ? s.toString() : CliText.escape(s.path("id").asText()) + "  "
                    + CliText.escape(s.path("protocol").asText()) + "  " + CliText.escape(s.path("subject").asText())
                    + " @" + CliText.escape(s.path("connection").asText()) + "  from "
                    + CliText.escape(s.path("client_address").asText()) + "  since " + s.path("started").asText()
                    + "  " + s.path("commands").asLong() + " commands  " + s.path("bytes_from_client").asLong()
                    + " B in / " + s.path("bytes_to_client").asLong() + " B out");
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
