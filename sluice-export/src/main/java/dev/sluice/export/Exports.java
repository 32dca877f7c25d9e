package dev.sluice.export;

import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.sluice.core.audit.AuditFeed;

/**
 * The running export sinks of one gateway: one {@link Exporter} each, tailing the same trail. Started once with the
 * gateway (a config reload does not add or remove sinks). Cursors live in {@code <data-dir>/exports/}.
 */
public final class Exports implements AutoCloseable {
    /** How often an idle exporter looks for new events. */
    public static final Duration POLL_INTERVAL = Duration.ofMillis(200);

    private final List<Exporter> exporters;

    private Exports(List<Exporter> exporters) {
        this.exporters = exporters;
    }

    /**
     * Starts one exporter per sink.
     *
     * @param stdout where the {@code stdout} sink writes
     * @throws ExportException when a sink cannot be set up (unreadable CA file or cursor)
     */
    public static Exports start(List<SinkConfig> sinks, AuditFeed feed, Path dataDir, OutputStream stdout,
                                Clock clock) {
        return start(sinks, feed, dataDir, stdout, clock, POLL_INTERVAL);
    }

    static Exports start(List<SinkConfig> sinks, AuditFeed feed, Path dataDir, OutputStream stdout, Clock clock,
                         Duration pollInterval) {
        List<Exporter> exporters = new ArrayList<>();
        Path dir = dataDir.resolve("exports");
        for (SinkConfig config : sinks) {
            ExportSink sink = switch (config) {
                case SinkConfig.Stdout s -> new StreamSink(stdout);
                case SinkConfig.File f -> new FileSink(f);
                case SinkConfig.Syslog s -> new SyslogSink(s, s.tls() ? Optional.of(TrustContexts.client(s.caFile()))
                        : Optional.empty());
                case SinkConfig.Http h -> new HttpSink(h);
                case SinkConfig.Kafka k -> new KafkaSink(k);
            };
            exporters.add(new Exporter(config, sink, feed, new CursorFile(dir, config.name()), pollInterval, clock));
        }
        exporters.forEach(Exporter::start);
        return new Exports(List.copyOf(exporters));
    }

    /** Each sink's progress, in configuration order. */
    public List<ExportStatus> status() {
        return exporters.stream().map(Exporter::status).toList();
    }

    /** Wakes every exporter to look for new events now. */
    public void poke() {
        exporters.forEach(Exporter::poke);
    }

    @Override
    public void close() {
        exporters.forEach(Exporter::close);
    }
}
