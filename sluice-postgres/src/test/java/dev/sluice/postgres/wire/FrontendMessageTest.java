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

import dev.sluice.core.Secret;
import dev.sluice.postgres.wire.FrontendMessage.Bind;
import dev.sluice.postgres.wire.FrontendMessage.CancelRequest;
import dev.sluice.postgres.wire.FrontendMessage.Close;
import dev.sluice.postgres.wire.FrontendMessage.CopyData;
import dev.sluice.postgres.wire.FrontendMessage.CopyDone;
import dev.sluice.postgres.wire.FrontendMessage.CopyFail;
import dev.sluice.postgres.wire.FrontendMessage.Describe;
import dev.sluice.postgres.wire.FrontendMessage.Execute;
import dev.sluice.postgres.wire.FrontendMessage.Flush;
import dev.sluice.postgres.wire.FrontendMessage.FunctionCall;
import dev.sluice.postgres.wire.FrontendMessage.GSSENCRequest;
import dev.sluice.postgres.wire.FrontendMessage.Parse;
import dev.sluice.postgres.wire.FrontendMessage.PasswordMessage;
import dev.sluice.postgres.wire.FrontendMessage.Query;
import dev.sluice.postgres.wire.FrontendMessage.SSLRequest;
import dev.sluice.postgres.wire.FrontendMessage.StartupMessage;
import dev.sluice.postgres.wire.FrontendMessage.Sync;
import dev.sluice.postgres.wire.FrontendMessage.Terminate;

class FrontendMessageTest {
    private static void roundTrip(FrontendMessage message) {
        assertRoundTrip(message, FrontendMessage::toFrame, false, FrontendMessage::decode);
    }

    private static void roundTripStartup(FrontendMessage message) {
        assertRoundTrip(message, FrontendMessage::toFrame, true, FrontendMessage::decodeStartup);
    }

    @Test
    void roundTripsEveryStartupPhaseMessageAtEveryFragmentation() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", "agent");
        parameters.put("database", "sales");
        parameters.put("application_name", "ünïcode");
        roundTripStartup(StartupMessage.v3(parameters));
        roundTripStartup(StartupMessage.v3(Map.of()));
        roundTripStartup(new StartupMessage(3 << 16 | 2, Map.of("user", "u")));
        roundTripStartup(new SSLRequest());
        roundTripStartup(new GSSENCRequest());
        roundTripStartup(new CancelRequest(4242, -123456789));
    }

    @Test
    void roundTripsEveryTypedMessageAtEveryFragmentation() {
        List<FrontendMessage> messages = List.of(
                new PasswordMessage(cstr("secret")),
                PasswordMessage.saslInitialResponse(Scram.MECHANISM, "n,,n=,r=abc".getBytes()),
                PasswordMessage.saslResponse("c=biws,r=abc,p=xyz".getBytes()),
                new Query("SELECT 1; SELECT 'é'"),
                new Query(""),
                new Parse("s1", "SELECT $1::int, $2", new int[] {23, 0}),
                new Parse("", "SELECT 1", new int[0]),
                new Bind("p1", "s1", new short[] {1, 0}, new byte[][] {bytes(0, 0, 0, 42), null, new byte[0]},
                        new short[] {1}),
                new Bind("", "", new short[0], new byte[0][], new short[0]),
                new Describe((byte) 'S', "s1"),
                new Describe((byte) 'P', ""),
                new Execute("p1", 100),
                new Sync(),
                new Flush(),
                new Close((byte) 'P', "p1"),
                new CopyData(bytes(1, 2, 3, 0, '\n')),
                new CopyDone(),
                new CopyFail("client gave up"),
                new Terminate(),
                new FunctionCall(bytes(0, 0, 4, 0, 0, 0)));
        messages.forEach(FrontendMessageTest::roundTrip);
    }

    @Test
    void encodesAQueryExactlyAsTheSpecLaysItOut() {
        Frame frame = new Query("SELECT 1").toFrame();

        assertThat(WireFixtures.wire(frame)).containsExactly(concat(bytes('Q', 0, 0, 0, 13), cstr("SELECT 1")));
    }

    @Test
    void decodesABindBuiltByHandWithANullParameter() {
        byte[] payload = concat(cstr("portal"), cstr("stmt"), bytes(0, 1, 0, 1), bytes(0, 2),
                bytes(0, 0, 0, 2, 'h', 'i'), bytes(0xff, 0xff, 0xff, 0xff), bytes(0, 1, 0, 0));

        Bind bind = (Bind) FrontendMessage.decode(new Frame((byte) 'B', payload));

        assertThat(bind.portal()).isEqualTo("portal");
        assertThat(bind.statement()).isEqualTo("stmt");
        assertThat(bind.parameterFormats()).containsExactly((short) 1);
        assertThat(bind.parameters()[0]).containsExactly('h', 'i');
        assertThat(bind.parameters()[1]).isNull();
        assertThat(bind.resultFormats()).containsExactly((short) 0);
    }

    @Test
    void decodesAStartupMessageInWireOrder() {
        byte[] payload = concat(bytes(0, 3, 0, 0), cstr("user"), cstr("bob"), cstr("database"), cstr("db"), bytes(0));

        StartupMessage startup = (StartupMessage) FrontendMessage.decodeStartup(new Frame(Frame.UNTYPED, payload));

        assertThat(startup.majorVersion()).isEqualTo(3);
        assertThat(startup.minorVersion()).isZero();
        assertThat(startup.parameters()).containsExactly(Map.entry("user", "bob"), Map.entry("database", "db"));
    }

    @Test
    void rejectsARepeatedStartupParameter() {
        byte[] payload = concat(bytes(0, 3, 0, 0), cstr("user"), cstr("a"), cstr("user"), cstr("b"), bytes(0));

        assertThatThrownBy(() -> FrontendMessage.decodeStartup(new Frame(Frame.UNTYPED, payload)))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("appears twice");
    }

    @Test
    void rejectsAStartupMessageWithoutItsFinalTerminator() {
        byte[] payload = concat(bytes(0, 3, 0, 0), cstr("user"), cstr("a"));

        assertThatThrownBy(() -> FrontendMessage.decodeStartup(new Frame(Frame.UNTYPED, payload)))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("NUL terminator");
    }

    @Test
    void rejectsUnsupportedProtocolVersions() {
        assertThatThrownBy(() -> FrontendMessage.decodeStartup(new Frame(Frame.UNTYPED, bytes(0, 2, 0, 0, 0))))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("(expected: 3.x)");
    }

    @Test
    void rejectsACancelRequestWithAProtocol32LongKey() {
        byte[] payload = concat(bytes(0x04, 0xd2, 0x16, 0x2e), bytes(0, 0, 0, 1), new byte[32]);

        assertThatThrownBy(() -> FrontendMessage.decodeStartup(new Frame(Frame.UNTYPED, payload)))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("trailing");
    }

    @Test
    void rejectsTrailingBytesAfterTheLastField() {
        assertThatThrownBy(() -> FrontendMessage.decode(new Frame((byte) 'Q', concat(cstr("SELECT 1"), bytes(7)))))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("trailing");
        assertThatThrownBy(() -> FrontendMessage.decode(new Frame((byte) 'S', bytes(0))))
                .isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> FrontendMessage.decodeStartup(new Frame(Frame.UNTYPED, bytes(0x04, 0xd2, 0x16, 0x2f, 1))))
                .isInstanceOf(MalformedMessageException.class);
    }

    @Test
    void rejectsAPayloadShorterThanItsFields() {
        assertThatThrownBy(() -> FrontendMessage.decode(new Frame((byte) 'E', concat(cstr("p"), bytes(0, 0)))))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> FrontendMessage.decode(new Frame((byte) 'P', concat(cstr(""), cstr("q"), bytes(0, 2, 0, 0, 0, 23)))))
                .isInstanceOf(MalformedMessageException.class);
        byte[] bindWithLongValue = concat(cstr(""), cstr(""), bytes(0, 0), bytes(0, 1), bytes(0, 0, 0, 9, 1), bytes(0, 0));
        assertThatThrownBy(() -> FrontendMessage.decode(new Frame((byte) 'B', bindWithLongValue)))
                .isInstanceOf(MalformedMessageException.class);
    }

    @Test
    void rejectsAStringWithoutNulTerminator() {
        assertThatThrownBy(() -> FrontendMessage.decode(new Frame((byte) 'Q', "SELECT 1".getBytes())))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("NUL terminator");
    }

    @Test
    void rejectsInvalidUtf8InsteadOfReplacingIt() {
        assertThatThrownBy(() -> FrontendMessage.decode(new Frame((byte) 'Q', bytes('a', 0xff, 0))))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("UTF-8");
    }

    @Test
    void rejectsUnknownMessageTypes() {
        assertThatThrownBy(() -> FrontendMessage.decode(new Frame((byte) 'y', new byte[0])))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("unknown frontend message type 'y'");
        assertThatThrownBy(() -> FrontendMessage.decode(new Frame(Frame.UNTYPED, new byte[4])))
                .isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> FrontendMessage.decodeStartup(new Frame((byte) 'Q', new byte[4])))
                .isInstanceOf(MalformedMessageException.class);
    }

    @Test
    void rejectsADescribeTargetOtherThanStatementOrPortal() {
        assertThatThrownBy(() -> FrontendMessage.decode(new Frame((byte) 'D', concat(bytes('X'), cstr("s")))))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("'S' or 'P'");
    }

    @Test
    void refusesToEncodeAStringContainingNulSoNoFieldCanBeSmuggled() {
        assertThatThrownBy(() -> new Query("SELECT 1\0X").toFrame())
                .isInstanceOf(WireException.class).hasMessageContaining("NUL");
    }

    @Test
    void readsThePasswordTextWithoutItsTerminator() {
        PasswordMessage message = PasswordMessage.cleartext(Secret.of("tökén"));

        assertThat(PasswordMessage.passwordText(message)).isEqualTo("tökén");
        assertThat(FrontendMessage.passwordText(message)).isEqualTo("tökén");
        assertThat(message.toString()).doesNotContain("tökén");
        assertThatThrownBy(() -> PasswordMessage.passwordText(new PasswordMessage("abc".getBytes())))
                .isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> PasswordMessage.passwordText(new PasswordMessage(bytes('a', 0, 'b', 0))))
                .isInstanceOf(MalformedMessageException.class);
    }

    @Test
    void encodesSaslInitialResponseWithItsLengthPrefix() {
        PasswordMessage message = FrontendMessage.saslInitialResponse("SCRAM-SHA-256", bytes('x', 'y'));

        assertThat(message.data()).containsExactly(concat(cstr("SCRAM-SHA-256"), bytes(0, 0, 0, 2, 'x', 'y')));
        assertThat(FrontendMessage.saslResponse(bytes(1)).data()).containsExactly(1);
    }
}
