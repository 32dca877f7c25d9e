package dev.sluice.postgres;

import java.io.IOException;
import java.util.Map;

import dev.sluice.core.config.LimitsConfig;
import dev.sluice.core.config.ListenerLimits;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.core.policy.Command;
import dev.sluice.core.policy.Vocabulary;
import dev.sluice.core.spi.ProtocolContext;
import dev.sluice.core.spi.ProtocolListener;
import dev.sluice.core.spi.ProtocolProvider;
import dev.sluice.postgres.sql.DangerousFunctions;
import dev.sluice.postgres.sql.SqlClassifier;

/**
 * PostgreSQL as the gateway finds it ({@link java.util.ServiceLoader}): the statement kinds libpg_query classifies
 * into, the dangerous functions ({@code functions: [dangerous]}), and the listener on {@code listen.postgres}.
 */
public final class PostgresProtocol implements ProtocolProvider {
    public static final String NAME = "postgres";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Vocabulary vocabulary() {
        return Vocabulary.of(NAME, SqlClassifier.KINDS, Map.of(Command.FUNCTIONS, DangerousFunctions.all()));
    }

    @Override
    public ProtocolListener start(ProtocolContext context) throws IOException {
        SluiceConfig config = context.state().get().config();
        PostgresServices services = new PostgresServices(context.access(), context.state(), context.audit(),
                context.clock(), SqlClassifier.create(SqlClassifier.DEFAULT_CACHE_ENTRIES, LimitsConfig.of(config)),
                new CancelRegistry(context.dialer()), context.tls(), config.tls().allowPlaintext(),
                ListenerLimits.of(config), context.sessions(), context.dialer());
        return PostgresListener.start(context.address(), services);
    }
}
