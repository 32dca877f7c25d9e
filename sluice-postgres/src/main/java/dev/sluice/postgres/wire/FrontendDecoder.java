package dev.sluice.postgres.wire;

import java.util.LinkedHashMap;
import java.util.Map;

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

/** Decodes frontend frames into {@link FrontendMessage} records; layouts are documented on the records. */
final class FrontendDecoder {
    private FrontendDecoder() {
    }

    static FrontendMessage decodeStartup(Frame frame) {
        if (frame.type() != Frame.UNTYPED) {
            throw new MalformedMessageException("typed frame " + frame + " is not a startup-phase message");
        }
        PayloadReader r = new PayloadReader(frame.payload(), "startup packet");
        int code = r.readInt32();
        FrontendMessage result = switch (code) {
            case SSLRequest.CODE -> new SSLRequest();
            case GSSENCRequest.CODE -> new GSSENCRequest();
            case CancelRequest.CODE -> new CancelRequest(r.readInt32(), r.readInt32());
            default -> {
                if (code >>> 16 != 3) {
                    throw new MalformedMessageException("unsupported protocol version " + (code >>> 16) + "."
                            + (code & 0xffff) + " (expected: 3.x)");
                }
                yield new StartupMessage(code, readParameters(r));
            }
        };
        r.expectEnd();
        return result;
    }

    private static Map<String, String> readParameters(PayloadReader r) {
        Map<String, String> result = new LinkedHashMap<>();
        for (String name = r.readCString(); !name.isEmpty(); name = r.readCString()) {
            if (result.put(name, r.readCString()) != null) {
                throw new MalformedMessageException("startup parameter '" + name + "' appears twice (expected: once)");
            }
        }
        return result;
    }

    static FrontendMessage decode(Frame frame) {
        return decode(frame, java.nio.charset.StandardCharsets.UTF_8);
    }

    static FrontendMessage decode(Frame frame, java.nio.charset.Charset charset) {
        PayloadReader r = new PayloadReader(frame.payload(), "message " + describe(frame.type()), charset);
        FrontendMessage result = switch (frame.type()) {
            case 'p' -> new PasswordMessage(r.readRestShared());
            case 'Q' -> new Query(r.readCString());
            case 'P' -> readParse(r);
            case 'B' -> readBind(r);
            case 'D' -> new Describe(readTarget(r), r.readCString());
            case 'E' -> new Execute(r.readCString(), r.readInt32());
            case 'S' -> new Sync();
            case 'H' -> new Flush();
            case 'C' -> new Close(readTarget(r), r.readCString());
            case 'd' -> new CopyData(r.readRestShared());
            case 'c' -> new CopyDone();
            case 'f' -> new CopyFail(r.readCString());
            case 'X' -> new Terminate();
            case 'F' -> new FunctionCall(r.readRestShared());
            default -> throw new MalformedMessageException("unknown frontend message type " + describe(frame.type()));
        };
        r.expectEnd();
        return result;
    }

    private static Parse readParse(PayloadReader r) {
        String name = r.readCString();
        String query = r.readCString();
        int[] types = new int[r.readCount16(4)];
        for (int i = 0; i < types.length; i++) {
            types[i] = r.readInt32();
        }
        return new Parse(name, query, types);
    }

    private static Bind readBind(PayloadReader r) {
        String portal = r.readCString();
        String statement = r.readCString();
        short[] parameterFormats = readFormats(r);
        byte[][] parameters = new byte[r.readCount16(4)][];
        for (int i = 0; i < parameters.length; i++) {
            parameters[i] = r.readNullableBytes();
        }
        return new Bind(portal, statement, parameterFormats, parameters, readFormats(r));
    }

    static short[] readFormats(PayloadReader r) {
        short[] result = new short[r.readCount16(2)];
        for (int i = 0; i < result.length; i++) {
            result[i] = r.readInt16();
        }
        return result;
    }

    private static byte readTarget(PayloadReader r) {
        byte result = r.readByte();
        if (result != 'S' && result != 'P') {
            throw new MalformedMessageException("target " + describe(result) + " (expected: 'S' or 'P')");
        }
        return result;
    }

    static String describe(byte type) {
        int value = type & 0xff;
        String result = String.format("0x%02x", value);
        return value >= 0x20 && value < 0x7f ? "'" + (char) value + "' (" + result + ")" : result;
    }
}
