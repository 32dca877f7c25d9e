package dev.sluice.postgres.masking;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.SecretResolver;
import dev.sluice.core.masking.MaskTally;
import dev.sluice.core.masking.MaskingKeys;
import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.core.masking.MaskingRules;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.BackendMessage.RowDescription.Field;
import dev.sluice.postgres.wire.Frame;
import dev.sluice.postgres.wire.FuzzContract;
import dev.sluice.postgres.wire.WireException;

/**
 * Jazzer fuzz targets for the masking row rewriters: {@link RowMasker#mask} on DataRow frames from the server (and
 * {@link RowMaskerCopy} on COPY rows, see {@link #copyRow}). The
 * fuzzer chooses the result's columns (name, table column, type, text or binary format) under a fixed masking plan
 * and then the DataRow payload bytes. Seeds are in
 * {@code src/test/resources/dev/sluice/postgres/masking/RowMaskerFuzzTestInputs/<target>/}.
 *
 * <p>The contract: the only exception is {@link MaskingRefusal}; a row that is not a well-formed DataRow of the
 * described width is refused (never relayed) unless the shape passes everything untouched; a rewritten row is a
 * well-formed DataRow of the same width in which every column the shape passes keeps its bytes and every column
 * the plan nulls is NULL; allocation stays within the {@link FuzzContract} bounds.
 */
class RowMaskerFuzzTest {
    private static final int CUSTOMERS = 16400;
    private static final List<String> COLUMNS = List.of("id", "card", "ssn", "pin", "note", "profile");
    private static final int[] TYPES = {23, 25, 1043, 114, 3802, 17, 2249, 1009, 700, 0};
    private static final MaskingPlan PLAN = MaskingRules.parse(ConfigNode.parse(Path.of("fuzz.yaml"), """
            masking:
              - name: pii
                columns:
                  customers.card: partial
                  customers.ssn: null
                  customers.pin: partial
                  customers.profile: redact
                detectors: [email, card]
            """).at("masking"), MaskingKeys.fixed(new byte[32]), new SecretResolver(Map.of())).plan("c", Set.of());
    private static final ColumnResolver RESOLVER = new ColumnResolver(new ColumnResolver.Catalog() {
        @Override
        public Map<ColumnResolver.Key, ColumnResolver.Name> columns(Collection<ColumnResolver.Key> keys) {
            Map<ColumnResolver.Key, ColumnResolver.Name> result = new HashMap<>();
            for (ColumnResolver.Key key : keys) {
                if (key.tableOid() == CUSTOMERS && key.column() >= 1 && key.column() <= COLUMNS.size()) {
                    result.put(key, new ColumnResolver.Name("public", "customers", COLUMNS.get(key.column() - 1)));
                }
            }
            return result;
        }

        @Override
        public List<ColumnResolver.Name> tableColumns(String table) {
            return List.of();
        }
    });

    /**
     * Input layout: {@code width-1 (mod 6) | (column (mod 7), type index) * width | formats mode (mod 3: 0 none, else
     * one per column) | (format & 1) * width | DataRow payload}; missing bytes read as 0.
     */
    @FuzzTest(maxDuration = "10s")
    void dataRow(byte[] input) throws Exception {
        Input data = new Input(input);
        int width = 1 + data.next() % 6;
        List<Field> fields = new ArrayList<>();
        for (int i = 0; i < width; i++) {
            int column = data.next() % (COLUMNS.size() + 1);
            fields.add(new Field(column == 0 ? "computed" : COLUMNS.get(column - 1), column == 0 ? 0 : CUSTOMERS,
                    (short) column, TYPES[data.next() % TYPES.length], (short) -1, -1, (short) 0));
        }
        short[] formats = new short[data.next() % 3 == 0 ? 0 : width];
        for (int i = 0; i < formats.length; i++) {
            formats[i] = (short) (data.next() & 1);
        }
        MaskingShape shape = MaskingShape.of(fields, formats, PLAN, RESOLVER);
        byte[] payload = data.rest();
        Frame row = new Frame((byte) 'D', payload);
        byte[][] original = wellFormed(row, width);

        Frame[] masked = new Frame[1];
        FuzzContract.assertAllocationBounded(payload.length, "masking a row", () -> {
            try {
                masked[0] = RowMasker.mask(row, shape, new MaskTally(), StandardCharsets.UTF_8);
            } catch (MaskingRefusal refusal) {
                masked[0] = null;
            }
        });
        if (masked[0] == null) {
            return;
        }
        if (shape.passAll) {
            assertThat(masked[0]).isSameAs(row);
            return;
        }
        assertThat(original).as("a malformed row is refused, never relayed").isNotNull();
        assertThat(masked[0].type()).isEqualTo((byte) 'D');
        byte[][] values = wellFormed(masked[0], width);
        assertThat(values).as("the rewritten row is a well-formed DataRow of the same width").isNotNull();
        for (int i = 0; i < width; i++) {
            if (shape.actions[i] == MaskingShape.PASS) {
                assertThat(values[i]).as("column %d passes untouched", i).isEqualTo(original[i]);
            }
            if (shape.actions[i] == MaskingShape.NULLIFY) {
                assertThat(values[i]).as("column %d is nulled", i).isNull();
            }
        }
    }

    /**
     * One text-format COPY row ({@link RowMaskerCopy#maskFields}) of a table whose columns the fuzzer picks: only
     * {@link MaskingRefusal}; a rewritten row keeps its number of tab-separated fields and its final newline, passed
     * fields keep their bytes and nulled ones become {@code \N}. {@link RowMaskerCopy#maskLine} never throws. Input
     * layout: {@code width-1 (mod 6) | column (mod 7) * width | COPY row}.
     */
    @FuzzTest(maxDuration = "10s")
    void copyRow(byte[] input) throws Exception {
        Input data = new Input(input);
        int width = 1 + data.next() % 6;
        List<ColumnResolver.Name> columns = new ArrayList<>();
        for (int i = 0; i < width; i++) {
            int column = data.next() % (COLUMNS.size() + 1);
            columns.add(column == 0 ? new ColumnResolver.Name("", "", "")
                    : new ColumnResolver.Name("public", "customers", COLUMNS.get(column - 1)));
        }
        MaskingShape shape = MaskingShape.copy(columns, width, PLAN);
        byte[] payload = data.rest();
        Frame row = new Frame((byte) 'd', payload);
        Frame[] masked = new Frame[1];
        FuzzContract.assertAllocationBounded(payload.length, "masking a COPY row", () -> {
            try {
                masked[0] = RowMaskerCopy.maskFields(row, shape, new MaskTally(), StandardCharsets.UTF_8);
            } catch (MaskingRefusal refusal) {
                masked[0] = null;
            }
            RowMaskerCopy.maskLine(row, shape, new MaskTally(), StandardCharsets.UTF_8);
        });
        if (masked[0] == null || masked[0] == row) {
            return;
        }
        List<byte[]> before = copyFields(payload);
        List<byte[]> after = copyFields(masked[0].payload());
        assertThat(after).as("fields of the rewritten row").hasSameSizeAs(before);
        assertThat(endsWithNewline(masked[0].payload())).isEqualTo(endsWithNewline(payload));
        for (int i = 0; i < before.size(); i++) {
            if (shape.actions[i] == MaskingShape.PASS) {
                assertThat(after.get(i)).as("field %d passes untouched", i).isEqualTo(before.get(i));
            }
            if (shape.actions[i] == MaskingShape.NULLIFY) {
                assertThat(new String(after.get(i), StandardCharsets.UTF_8)).as("field %d is nulled", i)
                        .isEqualTo("\\N");
            }
        }
    }

    private static boolean endsWithNewline(byte[] row) {
        return row.length > 0 && row[row.length - 1] == '\n';
    }

    /** The tab-separated fields of a COPY text row, without its final newline. */
    private static List<byte[]> copyFields(byte[] row) {
        int end = endsWithNewline(row) ? row.length - 1 : row.length;
        List<byte[]> result = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= end; i++) {
            if (i == end || row[i] == '\t') {
                result.add(Arrays.copyOfRange(row, start, i));
                start = i + 1;
            }
        }
        return result;
    }

    /** The values of {@code row} when it is a well-formed DataRow of {@code width} columns, else null. */
    private static byte[][] wellFormed(Frame row, int width) {
        try {
            byte[][] result = ((BackendMessage.DataRow) BackendMessage.decode(row)).values();
            return result.length == width ? result : null;
        } catch (WireException e) {
            return null;
        }
    }

    /** The fuzzer's bytes read front to back: control bytes first, then the rest as the payload. */
    private static final class Input {
        private final byte[] bytes;
        private int position;

        Input(byte[] bytes) {
            this.bytes = bytes;
        }

        int next() {
            return position < bytes.length ? bytes[position++] & 0xff : 0;
        }

        byte[] rest() {
            byte[] result = Arrays.copyOfRange(bytes, Math.min(position, bytes.length), bytes.length);
            position = bytes.length;
            return result;
        }
    }
}
