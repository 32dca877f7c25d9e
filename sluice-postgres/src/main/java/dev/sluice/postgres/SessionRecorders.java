package dev.sluice.postgres;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import dev.sluice.core.audit.SqlRecorder;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.Frame;

/**
 * Feeds the result sets relayed to the client (RowDescription, DataRow) to the session's {@link SessionRecorder},
 * for the execution they answer. Rows are decoded only while the recorder wants them. Runs on the
 * upstream-to-client thread. A binary-format cell is recorded as {@code \x} and its bytes in hex.
 */
final class SessionRecorders {
    private static final int MAX_BINARY_BYTES = 512;

    private SessionRecorders() {
    }

    static void feed(SqlRecorder recorder, Optional<Entry> head, Frame frame) {
        long statementId = switch (head.orElse(null)) {
            case Entry.Query query -> query.statementId;
            case Entry.Execute execute -> execute.statementId();
            case null, default -> -1;
        };
        if (statementId < 0) {
            return;
        }
        if (frame.type() == 'T') {
            BackendMessage.RowDescription description = (BackendMessage.RowDescription) BackendMessage.decode(frame);
            recorder.onColumns(statementId, description.fields().stream()
                    .map(BackendMessage.RowDescription.Field::name).toList());
        } else if (recorder.wantsRows(statementId)) {
            BackendMessage.DataRow row = (BackendMessage.DataRow) BackendMessage.decode(frame);
            recorder.onRow(statementId, cells(row));
        }
    }

    private static List<Optional<String>> cells(BackendMessage.DataRow row) {
        List<Optional<String>> result = new ArrayList<>(row.values().length);
        for (byte[] value : row.values()) {
            result.add(Optional.ofNullable(value).map(SessionRecorders::text));
        }
        return result;
    }

    /** Text-format cells are UTF-8 text; a cell that does not decode cleanly is shown as hex, capped. */
    private static String text(byte[] value) {
        var decoder = StandardCharsets.UTF_8.newDecoder();
        try {
            String result = decoder.decode(java.nio.ByteBuffer.wrap(value)).toString();
            if (result.chars().noneMatch(c -> c < 0x20 && c != '\n' && c != '\r' && c != '\t')) {
                return result;
            }
        } catch (java.nio.charset.CharacterCodingException e) {
            // binary: below
        }
        int n = Math.min(value.length, MAX_BINARY_BYTES);
        return "\\x" + HexFormat.of().formatHex(value, 0, n) + (n < value.length ? "…" : "");
    }
}
