package dev.sluice.server;

import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.sluice.core.audit.AuditJson;
import dev.sluice.core.audit.AuditQuery;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.config.ConfigLoader;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.store.AuditSettings;
import dev.sluice.store.AuditStoreReader;
import dev.sluice.store.AuditStores;

/** {@code sluice audit}: reads the audit trail, also while Sluice is running. */
@Command(name = "audit", description = "Query the audit trail.",
        subcommands = {AuditVerifyCommand.class, AuditKeyCommand.class})
final class AuditCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, description = "the Sluice YAML config file (required)")
    Path config;

    @Option(names = "--subject")
    String subject;

    @Option(names = "--connection")
    String connection;

    @Option(names = "--session")
    String session;

    @Option(names = "--kind", description = "session.start, command, command.result, session.end, auth.failure, …")
    String kind;

    @Option(names = "--since", description = "2h (ago) or an ISO-8601 instant")
    String since;

    @Option(names = "--until", description = "2h (ago) or an ISO-8601 instant")
    String until;

    @Option(names = "--limit", description = "at most this many events, the newest (default 1000)")
    int limit = 1000;

    @Option(names = "--json", description = "one JSON object a line")
    boolean json;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (config == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required option: '--config=<config>'");
        }
        SluiceConfig loaded = ConfigLoader.load(config.toAbsolutePath());
        Instant now = Instant.now();
        AuditQuery query = AuditQuery.all().withLimit(limit);
        if (subject != null) {
            query = query.withSubject(subject);
        }
        if (connection != null) {
            query = query.withConnection(connection);
        }
        if (session != null) {
            query = query.withSession(session);
        }
        if (kind != null) {
            query = query.withKind(kind);
        }
        if (since != null) {
            query = query.withSince(CliDurations.instant(since, now));
        }
        if (until != null) {
            query = query.withUntil(CliDurations.instant(until, now));
        }
        try (AuditStoreReader log = AuditStores.reader(AuditSettings.of(loaded))) {
            for (AuditRecord record : log.query(query)) {
                spec.commandLine().getOut().println(json ? AuditJson.toJson(record) : human(record));
            }
        }
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** One line per record; every stored value escaped ({@link CliText}), so no value can forge a line. */
    static String human(AuditRecord r) {
        StringBuilder result = new StringBuilder().append(r.time()).append(' ').append(CliText.escape(r.kind()))
                .append(' ').append(CliText.escape(r.session())).append(' ').append(CliText.escape(r.subject()))
                .append(" @").append(CliText.escape(r.connection()));
        if (!r.verdict().isEmpty()) {
            result.append(' ').append(CliText.escape(r.verdict()));
        }
        if (!r.statement().isEmpty()) {
            result.append(" | ").append(CliText.escape(r.statement()));
        }
        if (r.rows() >= 0) {
            result.append(" | rows=").append(r.rows());
        }
        if (!r.error().isEmpty()) {
            result.append(" | ").append(CliText.escape(r.error()));
        }
        return result.toString();
    }
}
