package dev.sluice.postgres.wire;

import static dev.sluice.postgres.wire.WireFixtures.assertRoundTrip;
import static dev.sluice.postgres.wire.WireFixtures.bytes;
import static dev.sluice.postgres.wire.WireFixtures.concat;
import static dev.sluice.postgres.wire.WireFixtures.cstr;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.sluice.postgres.wire.BackendMessage.AuthenticationCleartextPassword;
import dev.sluice.postgres.wire.BackendMessage.AuthenticationMD5Password;
import dev.sluice.postgres.wire.BackendMessage.AuthenticationOk;
import dev.sluice.postgres.wire.BackendMessage.AuthenticationOther;
import dev.sluice.postgres.wire.BackendMessage.AuthenticationSASL;
import dev.sluice.postgres.wire.BackendMessage.AuthenticationSASLContinue;
import dev.sluice.postgres.wire.BackendMessage.AuthenticationSASLFinal;
import dev.sluice.postgres.wire.BackendMessage.BackendKeyData;
import dev.sluice.postgres.wire.BackendMessage.BindComplete;
import dev.sluice.postgres.wire.BackendMessage.CloseComplete;
import dev.sluice.postgres.wire.BackendMessage.CommandComplete;
import dev.sluice.postgres.wire.BackendMessage.CopyBothResponse;
import dev.sluice.postgres.wire.BackendMessage.CopyData;
import dev.sluice.postgres.wire.BackendMessage.CopyDone;
import dev.sluice.postgres.wire.BackendMessage.CopyInResponse;
import dev.sluice.postgres.wire.BackendMessage.CopyOutResponse;
import dev.sluice.postgres.wire.BackendMessage.DataRow;
import dev.sluice.postgres.wire.BackendMessage.EmptyQueryResponse;
import dev.sluice.postgres.wire.BackendMessage.ErrorResponse;
import dev.sluice.postgres.wire.BackendMessage.FunctionCallResponse;
import dev.sluice.postgres.wire.BackendMessage.NegotiateProtocolVersion;
import dev.sluice.postgres.wire.BackendMessage.NoData;
import dev.sluice.postgres.wire.BackendMessage.NoticeResponse;
import dev.sluice.postgres.wire.BackendMessage.NotificationResponse;
import dev.sluice.postgres.wire.BackendMessage.ParameterDescription;
import dev.sluice.postgres.wire.BackendMessage.ParameterStatus;
import dev.sluice.postgres.wire.BackendMessage.ParseComplete;
import dev.sluice.postgres.wire.BackendMessage.PortalSuspended;
import dev.sluice.postgres.wire.BackendMessage.ReadyForQuery;
import dev.sluice.postgres.wire.BackendMessage.RowDescription;

class BackendMessageTest {
    @Test
    void roundTripsEveryBackendMessageAtEveryFragmentation() {
        Map<Character, String> notice = new LinkedHashMap<>();
        notice.put('S', "WARNING");
        notice.put('C', "01000");
        notice.put('M', "careful");
        notice.put('H', "a hint");
        List<BackendMessage> messages = List.of(
                new AuthenticationOk(),
                new AuthenticationCleartextPassword(),
                new AuthenticationMD5Password(bytes(1, 2, 3, 4)),
                new AuthenticationSASL(List.of("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256")),
                new AuthenticationSASLContinue("r=abc,s=c2FsdA==,i=4096".getBytes()),
                new AuthenticationSASLFinal("v=abc=".getBytes()),
                new AuthenticationOther(7, new byte[0]),
                new AuthenticationOther(8, bytes(9, 9)),
                new BackendKeyData(77, -5),
                new ParameterStatus("server_version", "15.8"),
                new ReadyForQuery(ReadyForQuery.IDLE),
                new ReadyForQuery(ReadyForQuery.FAILED_TRANSACTION),
                ErrorResponse.of("ERROR", "42501", "permission denied"),
                new NoticeResponse(notice),
                new RowDescription(List.of(
                        new RowDescription.Field("id", 16384, (short) 1, 23, (short) 4, -1, (short) 0),
                        new RowDescription.Field("naïve", 0, (short) 0, 25, (short) -1, -1, (short) 1))),
                new RowDescription(List.of()),
                new DataRow(new byte[][] {"1".getBytes(), null, new byte[0]}),
                new DataRow(new byte[0][]),
                new CommandComplete("INSERT 0 5"),
                new EmptyQueryResponse(),
                new ParseComplete(),
                new BindComplete(),
                new CloseComplete(),
                new NoData(),
                new PortalSuspended(),
                new ParameterDescription(new int[] {23, 25}),
                new CopyInResponse((byte) 0, new short[] {0, 0}),
                new CopyOutResponse((byte) 1, new short[] {1}),
                new CopyBothResponse((byte) 0, new short[0]),
                new CopyData(bytes('a', '\t', 'b', '\n')),
                new CopyDone(),
                new NotificationResponse(12, "jobs", "{\"id\":1}"),
                new NegotiateProtocolVersion(0, List.of("_pq_.compression")),
                new FunctionCallResponse(bytes(0, 0, 0, 1, 7)));
        for (BackendMessage message : messages) {
            assertRoundTrip(message, BackendMessage::toFrame, false, BackendMessage::decode);
        }
    }

    @Test
    void encodesReadyForQueryAndDataRowExactlyAsTheSpecLaysThemOut() {
        assertThat(WireFixtures.wire(new ReadyForQuery(ReadyForQuery.IN_TRANSACTION).toFrame()))
                .containsExactly('Z', 0, 0, 0, 5, 'T');
        assertThat(WireFixtures.wire(new DataRow(new byte[][] {bytes('7'), null}).toFrame()))
                .containsExactly('D', 0, 0, 0, 15, 0, 2, 0, 0, 0, 1, '7', 0xff, 0xff, 0xff, 0xff);
    }

    @Test
    void decodesAnAuthenticationSaslOfferBuiltByHand() {
        byte[] payload = concat(bytes(0, 0, 0, 10), cstr("SCRAM-SHA-256"), bytes(0));

        assertThat(BackendMessage.decode(new Frame((byte) 'R', payload)))
                .isEqualTo(new AuthenticationSASL(List.of("SCRAM-SHA-256")));
    }

    @Test
    void decodesAnErrorResponseKeepingFieldOrder() {
        byte[] payload = concat(bytes('S'), cstr("FATAL"), bytes('V'), cstr("FATAL"), bytes('C'), cstr("28P01"),
                bytes('M'), cstr("password authentication failed"), bytes('R'), cstr("auth_failed"), bytes(0));

        ErrorResponse error = (ErrorResponse) BackendMessage.decode(new Frame((byte) 'E', payload));

        assertThat(error.severity()).isEqualTo("FATAL");
        assertThat(error.sqlState()).isEqualTo("28P01");
        assertThat(error.message()).isEqualTo("password authentication failed");
        assertThat(error.fields().keySet()).containsExactly('S', 'V', 'C', 'M', 'R');
    }

    @Test
    void buildsAnErrorResponseWithSeverityCodeAndMessage() {
        ErrorResponse error = ErrorResponse.of("FATAL", "28000", "token rejected");

        assertThat(error.fields()).containsExactly(Map.entry('S', "FATAL"), Map.entry('V', "FATAL"),
                Map.entry('C', "28000"), Map.entry('M', "token rejected"));
        assertThat(new ErrorResponse(Map.of()).sqlState()).isEmpty();
    }

    @Test
    void readsTheRowCountFromTheCommandTag() {
        assertThat(new CommandComplete("INSERT 0 5").rows()).isEqualTo(5);
        assertThat(new CommandComplete("SELECT 3").rows()).isEqualTo(3);
        assertThat(new CommandComplete("COPY 7").rows()).isEqualTo(7);
        assertThat(new CommandComplete("UPDATE 2").rows()).isEqualTo(2);
        assertThat(new CommandComplete("DELETE 1").rows()).isEqualTo(1);
        assertThat(new CommandComplete("MERGE 1").rows()).isEqualTo(1);
        assertThat(new CommandComplete("FETCH 4").rows()).isEqualTo(4);
        assertThat(new CommandComplete("MOVE 1").rows()).isEqualTo(1);
        assertThat(new CommandComplete("SELECT 9999999999").rows()).isEqualTo(9_999_999_999L);
    }

    @Test
    void reportsMinusOneForTagsWithoutARowCount() {
        for (String tag : List.of("CREATE TABLE", "BEGIN", "SELECT", "INSERT 5", "SET", "", "SELECT x",
                "SELECT -1", "SELECT 99999999999999999999", "DROP 3")) {
            assertThat(new CommandComplete(tag).rows()).as(tag).isEqualTo(-1);
        }
    }

    @Test
    void rejectsMalformedBackendPayloads() {
        List<Frame> frames = List.of(
                new Frame((byte) 'R', bytes(0, 0, 0, 0, 1)),                  // AuthenticationOk + trailing
                new Frame((byte) 'R', bytes(0, 0, 0, 5, 1, 2)),               // MD5 salt too short
                new Frame((byte) 'R', bytes(0, 0)),                           // no auth code
                new Frame((byte) 'R', concat(bytes(0, 0, 0, 10), cstr("SCRAM-SHA-256"))), // no list terminator
                new Frame((byte) 'K', bytes(0, 0, 0, 1, 0, 0, 0, 2, 3)),      // protocol 3.2 long key
                new Frame((byte) 'Z', bytes('X')),                            // bad status
                new Frame((byte) 'Z', new byte[0]),
                new Frame((byte) 'E', concat(bytes('S'), cstr("ERROR"))),     // no field terminator
                new Frame((byte) 'E', concat(bytes('M'), cstr("4242424242424242"), bytes('M'), cstr("x"), bytes(0))),
                new Frame((byte) 'N', concat(bytes('D'), cstr("a"), bytes('D'), cstr("b"), bytes(0))), // field twice
                new Frame((byte) 'T', bytes(0, 1, 'a', 0, 0, 0)),             // field cut short
                new Frame((byte) 'T', bytes(0xff, 0xff)),                     // count cannot fit
                new Frame((byte) 'D', bytes(0, 1, 0, 0, 0, 5, 1)),            // value cut short
                new Frame((byte) 'D', bytes(0, 1, 0xff, 0xff, 0xff, 0xfe)),   // negative length other than -1
                new Frame((byte) 'C', "SELECT 1".getBytes()),                 // no NUL
                new Frame((byte) '1', bytes(0)),                              // ParseComplete + trailing
                new Frame((byte) 'v', bytes(0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff)), // huge option count
                new Frame((byte) 'G', bytes(0, 0, 2, 0, 0)));                 // formats cut short
        for (Frame frame : frames) {
            assertThatThrownBy(() -> BackendMessage.decode(frame)).as(frame.toString())
                    .isInstanceOf(MalformedMessageException.class);
        }
    }

    @Test
    void rejectsUnknownBackendMessageTypes() {
        assertThatThrownBy(() -> BackendMessage.decode(new Frame((byte) 'q', new byte[0])))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("unknown backend message type 'q'");
    }

    @Test
    void hidesTheCancelKeyFromToString() {
        assertThat(new BackendKeyData(1, 987654).toString()).doesNotContain("987654");
    }
}
