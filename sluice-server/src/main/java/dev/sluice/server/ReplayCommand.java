package dev.sluice.server;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import dev.sluice.core.audit.AuditJson;
import dev.sluice.core.audit.AuditReader;
import dev.sluice.core.audit.AuditRecord;
import dev.sluice.core.audit.AuditSearch;
import dev.sluice.core.audit.AuditSearch.Field;
import dev.sluice.core.audit.SessionSummary;
import dev.sluice.core.config.ConfigLoader;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.store.AuditStores;

/**
 * {@code sluice replay SESSION}: prints a recorded session as it happened, statement by statement with parameters
 * and results. With {@code --speed} the statements come at the pace they were sent (2.0 = twice as fast).
 */
@Command(name = "replay", description = "Replay a recorded session: statements, parameters and results.")
final class ReplayCommand implements Callable<Integer> {
    private static final int PAGE = 1000;

    @Option(names = {"-c", "--config"}, required = true, description = "the Sluice YAML config file")
    Path config;

    @Parameters(index = "0", paramLabel = "SESSION", description = "the session id (see sluice sessions)")
    String session;

    @Option(names = "--speed", description = "pace as recorded, times this factor (e.g. 1.0); default: no pauses")
    Double speed;

    @Option(names = "--json", description = "one JSON object a line: the session, then each recorded statement")
    boolean json;

    @Option(names = "--raw", description = "SSH sessions: print the asciicast v2 recording (for asciinema play)")
    boolean raw;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        if (speed != null && !(speed > 0 && speed <= 1000)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--speed must be above 0 (and at most 1000)");
        }
        SluiceConfig loaded = ConfigLoader.load(config.toAbsolutePath());
        PrintWriter out = spec.commandLine().getOut();
        try (AuditReader reader = AuditStores.reader(loaded)) {
            SessionSummary summary = reader.session(session)
                    .orElseThrow(() -> new dev.sluice.core.SluiceException("no session " + session + " in the audit trail"));
            if (!raw) {
                out.println(json ? EvidenceJson.line(Map.of("session", AuditJson.session(summary)))
                        : ReplayText.header(summary));
            }
            out.flush();
            long previous = -1;
            long cursor = 0;
            AsciicastReplay terminal = null;
            while (true) {
                List<AuditRecord> chunks = reader.search(AuditSearch.all().with(Field.SESSION, session)
                        .with(Field.KIND, "recording").withAfterSeq(cursor).withLimit(PAGE));
                for (AuditRecord chunk : chunks) {
                    if (!json && AsciicastReplay.FORMAT.equals(chunk.details().get("format"))) {
                        if (terminal == null) {
                            // a terminal recording plays at the recorded pace unless --speed says otherwise
                            terminal = new AsciicastReplay(out, Optional.of(speed == null ? 1.0 : speed), raw);
                        }
                        terminal.chunk(String.valueOf(chunk.details().getOrDefault("content", "")));
                        continue;
                    }
                    Map<String, Object> statement = EvidenceJson.chunk(chunk);
                    long started = statement.get("started_ms") instanceof Number n ? n.longValue() : -1;
                    pace(previous, started);
                    previous = started < 0 ? previous : started;
                    out.println(json ? EvidenceJson.line(statement)
                            : ReplayText.statement(statement, summary.started().toEpochMilli()));
                    out.flush();
                }
                if (chunks.size() < PAGE) {
                    break;
                }
                cursor = chunks.getLast().seq();
            }
            if (!json && !raw && summary.ended().isPresent()) {
                out.println(ReplayText.footer(summary));
            }
        }
        out.flush();
        return 0;
    }

    private void pace(long previous, long started) throws InterruptedException {
        if (speed == null || previous < 0 || started <= previous) {
            return;
        }
        Thread.sleep((long) ((started - previous) / speed));
    }
}
