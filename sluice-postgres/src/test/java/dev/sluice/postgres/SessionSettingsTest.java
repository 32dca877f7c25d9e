package dev.sluice.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.sluice.postgres.sql.ClientEncodings;
import dev.sluice.postgres.sql.PinnedSettings;
import dev.sluice.postgres.wire.BackendMessage.ParameterStatus;
import dev.sluice.postgres.wire.FrontendMessage;

/** The session's lexer state without sockets: encoding tracking, the backstop and the pipelining rule. */
class SessionSettingsTest {
    private final AtomicLong expected = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final SessionSettings settings = new SessionSettings(List.of(new ParameterStatus("server_encoding", "UTF8"),
            new ParameterStatus("client_encoding", "UTF8"), new ParameterStatus("standard_conforming_strings", "on")),
            expected::get, answered::get);

    @Test
    void aBackslashOrNonAsciiStatementWaitsForTheAnswerOfEveryEarlierQuery() {
        assertThat(settings.pipelineRefusal("SELECT 'a\\'")).isEmpty();
        forwardQuery("SELECT flip()");

        assertThat(settings.pipelineRefusal("SELECT 'a\\'")).isPresent();
        assertThat(settings.pipelineRefusal("SELECT 'é'")).isPresent();
        assertThat(settings.pipelineRefusal("SELECT 'plain ascii'")).isEmpty();

        answered.incrementAndGet();
        assertThat(settings.pipelineRefusal("SELECT 'a\\'")).isEmpty();
    }

    @Test
    void anExtendedBatchStaysUnsettledUntilItsSyncIsAnswered() {
        settings.forwarded(new FrontendMessage.Parse("", "SELECT flip()", new int[0]));
        assertThat(settings.pipelineRefusal("SELECT 'a\\'")).isPresent();

        expected.incrementAndGet();
        settings.forwarded(new FrontendMessage.Sync());
        assertThat(settings.pipelineRefusal("SELECT 'a\\'")).isPresent();

        answered.incrementAndGet();
        assertThat(settings.pipelineRefusal("SELECT 'a\\'")).isEmpty();
    }

    @Test
    void beginStartTransactionAndSavepointRunNoCode() {
        forwardQuery("BEGIN");
        forwardQuery("start transaction isolation level serializable, read only;");
        forwardQuery("SAVEPOINT pgjdbc_autosave");
        settings.forwarded(new FrontendMessage.Parse("", "BEGIN", new int[0]));
        settings.forwarded(new FrontendMessage.Bind("", "", new short[0], new byte[0][], new short[0]));
        settings.forwarded(new FrontendMessage.Execute("", 0));

        assertThat(settings.pipelineRefusal("SELECT 'a\\'")).isEmpty();
        assertThat(SessionSettings.runsNoCode("BEGIN; SELECT flip()")).isFalse();
        assertThat(SessionSettings.runsNoCode("BEGIN -- x")).isFalse();
    }

    @Test
    void aNamedBeginRunsNoCodeOnlyInTheBatchThatParsedIt() {
        settings.forwarded(new FrontendMessage.Parse("S_1", "BEGIN", new int[0]));
        settings.forwarded(new FrontendMessage.Bind("P_1", "S_1", new short[0], new byte[0][], new short[0]));
        settings.forwarded(new FrontendMessage.Execute("P_1", 0));
        assertThat(settings.pipelineRefusal("SELECT 'a\\'")).isEmpty();
        expected.incrementAndGet();
        settings.forwarded(new FrontendMessage.Sync());

        settings.forwarded(new FrontendMessage.Bind("", "S_1", new short[0], new byte[0][], new short[0]));
        assertThat(settings.pipelineRefusal("SELECT 'a\\'")).isPresent();
    }

    @Test
    void aQueryForgetsTheUnnamedBegin() {
        settings.forwarded(new FrontendMessage.Parse("", "BEGIN", new int[0]));
        forwardQuery("BEGIN");
        answered.set(expected.get());
        settings.forwarded(new FrontendMessage.Bind("", "", new short[0], new byte[0][], new short[0]));
        assertThat(settings.pipelineRefusal("SELECT 'a\\'")).isPresent();
    }

    @Test
    void aReportThatStandardConformingStringsIsOffEndsTheSession() {
        assertThat(settings.fromUpstream(new ParameterStatus("standard_conforming_strings", "off").toFrame()))
                .hasValueSatisfying(reason -> assertThat(reason).contains("standard_conforming_strings = off"));
        assertThat(settings.broken()).isNotEmpty();
        assertThat(settings.pipelineRefusal("SELECT 1")).isPresent();
    }

    @Test
    void aSafeEncodingChangeIsTrackedAndAClientOnlyOneEndsTheSession() {
        assertThat(settings.fromUpstream(new ParameterStatus("client_encoding", "LATIN1").toFrame())).isEmpty();
        byte[] latin1 = "SELECT 'é'".getBytes(StandardCharsets.ISO_8859_1);
        byte[] payload = java.util.Arrays.copyOf(latin1, latin1.length + 1);
        assertThat(settings.decode(new dev.sluice.postgres.wire.Frame((byte) 'Q', payload)))
                .isEqualTo(new FrontendMessage.Query("SELECT 'é'"));

        assertThat(settings.fromUpstream(new ParameterStatus("client_encoding", "SJIS").toFrame())).isPresent();
    }

    @Test
    void clientEncodingNamesAreMatchedAsPostgresqlMatchesThem() {
        assertThat(ClientEncodings.accepted("utf-8")).isTrue();
        assertThat(ClientEncodings.accepted("Unicode")).isTrue();
        assertThat(ClientEncodings.accepted("ISO-8859-1")).isTrue();
        assertThat(ClientEncodings.accepted("SQL_ASCII")).isTrue();
        assertThat(ClientEncodings.accepted("Shift-JIS")).isFalse();
        assertThat(ClientEncodings.accepted("win936")).isFalse();
        assertThat(ClientEncodings.accepted("LATIN6")).isFalse();
        assertThat(ClientEncodings.accepted("auto")).isFalse();
        assertThat(ClientEncodings.charset("SQL_ASCII", "LATIN1")).contains(StandardCharsets.ISO_8859_1);
    }

    @Test
    void theUpstreamSessionIsPinnedAndAServerThatIgnoresThePinsIsRefused() {
        assertThat(PinnedSettings.startup(java.util.Map.of("client_encoding", "LATIN1")))
                .containsEntry("standard_conforming_strings", "on").containsEntry("backslash_quote", "safe_encoding")
                .containsEntry("client_encoding", "LATIN1");
        assertThat(PinnedSettings.startup(java.util.Map.of())).containsEntry("client_encoding", "UTF8");
        assertThat(PinnedSettings.startupRefusal(java.util.Map.of("client_encoding", "SJIS"))).isPresent();
        assertThat(PinnedSettings.startupRefusal(java.util.Map.of("standard_conforming_strings", "off"))).isPresent();
        assertThat(PinnedSettings.startupRefusal(java.util.Map.of("client_encoding", "UTF8",
                "standard_conforming_strings", "on"))).isEmpty();

        assertThat(PinnedSettings.upstreamRefusal(java.util.Map.of("standard_conforming_strings", "on",
                "client_encoding", "UTF8"))).isEmpty();
        assertThat(PinnedSettings.upstreamRefusal(java.util.Map.of("standard_conforming_strings", "off",
                "client_encoding", "UTF8"))).isPresent();
        assertThat(PinnedSettings.upstreamRefusal(java.util.Map.of("client_encoding", "UTF8"))).isPresent();
        assertThat(PinnedSettings.upstreamRefusal(java.util.Map.of("standard_conforming_strings", "on",
                "client_encoding", "SJIS"))).isPresent();
    }

    private void forwardQuery(String sql) {
        expected.incrementAndGet();
        settings.forwarded(new FrontendMessage.Query(sql));
    }
}
