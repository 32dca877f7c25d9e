package dev.sluice.postgres.wire;

import java.util.ArrayList;
import java.util.List;

import dev.sluice.postgres.wire.BackendMessage.Authentication;
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

/** Decodes backend frames into {@link BackendMessage} records; layouts are documented on the records. */
final class BackendDecoder {
    /** A RowDescription field without its name: four int32 and three int16 after a 1-byte empty name. */
    private static final int MIN_FIELD_BYTES = 1 + 4 + 2 + 4 + 2 + 4 + 2;

    private BackendDecoder() {
    }

    static BackendMessage decode(Frame frame) {
        PayloadReader r = new PayloadReader(frame.payload(), "message " + FrontendDecoder.describe(frame.type()));
        BackendMessage result = switch (frame.type()) {
            case 'R' -> readAuthentication(r);
            case 'K' -> new BackendKeyData(r.readInt32(), r.readInt32());
            case 'S' -> new ParameterStatus(r.readCString(), r.readCString());
            case 'Z' -> new ReadyForQuery(r.readByte());
            case 'E' -> new ErrorResponse(NoticeFields.decode(r));
            case 'N' -> new NoticeResponse(NoticeFields.decode(r));
            case 'T' -> readRowDescription(r);
            case 'D' -> readDataRow(r);
            case 'C' -> new CommandComplete(r.readCString());
            case 'I' -> new EmptyQueryResponse();
            case '1' -> new ParseComplete();
            case '2' -> new BindComplete();
            case '3' -> new CloseComplete();
            case 'n' -> new NoData();
            case 's' -> new PortalSuspended();
            case 't' -> new ParameterDescription(readInt32s(r));
            case 'G' -> new CopyInResponse(r.readByte(), FrontendDecoder.readFormats(r));
            case 'H' -> new CopyOutResponse(r.readByte(), FrontendDecoder.readFormats(r));
            case 'W' -> new CopyBothResponse(r.readByte(), FrontendDecoder.readFormats(r));
            case 'd' -> new CopyData(r.readRestShared());
            case 'c' -> new CopyDone();
            case 'A' -> new NotificationResponse(r.readInt32(), r.readCString(), r.readCString());
            case 'v' -> readNegotiateProtocolVersion(r);
            case 'V' -> new FunctionCallResponse(r.readRestShared());
            default -> throw new MalformedMessageException("unknown backend message type "
                    + FrontendDecoder.describe(frame.type()));
        };
        r.expectEnd();
        return result;
    }

    private static Authentication readAuthentication(PayloadReader r) {
        int code = r.readInt32();
        return switch (code) {
            case Authentication.OK -> new AuthenticationOk();
            case Authentication.CLEARTEXT_PASSWORD -> new AuthenticationCleartextPassword();
            case Authentication.MD5_PASSWORD -> new AuthenticationMD5Password(r.readBytes(4));
            case Authentication.SASL -> new AuthenticationSASL(readStrings(r));
            case Authentication.SASL_CONTINUE -> new AuthenticationSASLContinue(r.readRest());
            case Authentication.SASL_FINAL -> new AuthenticationSASLFinal(r.readRest());
            default -> new AuthenticationOther(code, r.readRest());
        };
    }

    /** A list of Strings ended by an empty one. */
    private static List<String> readStrings(PayloadReader r) {
        List<String> result = new ArrayList<>();
        for (String value = r.readCString(); !value.isEmpty(); value = r.readCString()) {
            result.add(value);
        }
        return result;
    }

    private static RowDescription readRowDescription(PayloadReader r) {
        int count = r.readCount16(MIN_FIELD_BYTES);
        List<RowDescription.Field> result = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            result.add(new RowDescription.Field(r.readCString(), r.readInt32(), r.readInt16(), r.readInt32(),
                    r.readInt16(), r.readInt32(), r.readInt16()));
        }
        return new RowDescription(result);
    }

    private static DataRow readDataRow(PayloadReader r) {
        byte[][] values = new byte[r.readCount16(4)][];
        for (int i = 0; i < values.length; i++) {
            values[i] = r.readNullableBytes();
        }
        return new DataRow(values);
    }

    private static int[] readInt32s(PayloadReader r) {
        int[] result = new int[r.readCount16(4)];
        for (int i = 0; i < result.length; i++) {
            result[i] = r.readInt32();
        }
        return result;
    }

    private static NegotiateProtocolVersion readNegotiateProtocolVersion(PayloadReader r) {
        int minor = r.readInt32();
        int count = r.readCount32(1);
        List<String> options = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            options.add(r.readCString());
        }
        return new NegotiateProtocolVersion(minor, options);
    }

    static Frame copyResponse(char type, byte format, short[] columnFormats) {
        PayloadWriter w = new PayloadWriter(3 + 2 * columnFormats.length).writeByte(format)
                .writeCount16(columnFormats.length, "copy column formats");
        for (short columnFormat : columnFormats) {
            w.writeInt16(columnFormat);
        }
        return w.toFrame(type);
    }
}
