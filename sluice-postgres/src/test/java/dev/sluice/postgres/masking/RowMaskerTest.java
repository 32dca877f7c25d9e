package dev.sluice.postgres.masking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.SecretResolver;
import dev.sluice.core.masking.MaskTally;
import dev.sluice.core.masking.MaskingKeys;
import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.core.masking.MaskingRules;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.BackendMessage.RowDescription.Field;
import dev.sluice.postgres.wire.Frame;

/** DataRow and COPY row rewriting, byte level, with a map standing in for the catalog. */
class RowMaskerTest {
    private static final int CUSTOMERS = 16400;
    private static final MaskingPlan PLAN = MaskingRules.parse(ConfigNode.parse(Path.of("t.yaml"), """
            masking:
              - name: pii
                columns:
                  customers.card: partial
                  customers.ssn: null
                  customers.pin: partial
                  customers.profile: redact
                detectors: [email, card]
            """).at("masking"), MaskingKeys.fixed(new byte[32]), new SecretResolver(Map.of())).plan("c", Set.of());
    private static final Map<ColumnResolver.Key, ColumnResolver.Name> CATALOG = Map.of(
            key(1), name("id"), key(2), name("card"), key(3), name("ssn"), key(4), name("pin"),
            key(5), name("note"), key(6), name("profile"));

    private final MaskTally tally = new MaskTally();
    private final ColumnResolver resolver = new ColumnResolver(new ColumnResolver.Catalog() {
        @Override
        public Map<ColumnResolver.Key, ColumnResolver.Name> columns(Collection<ColumnResolver.Key> keys) {
            Map<ColumnResolver.Key, ColumnResolver.Name> result = new HashMap<>();
            keys.forEach(k -> {
                if (CATALOG.containsKey(k)) {
                    result.put(k, CATALOG.get(k));
                }
            });
            return result;
        }

        @Override
        public List<ColumnResolver.Name> tableColumns(String table) {
            return List.of(name("id"), name("card"), name("note"));
        }
    });

    @Test
    void rowWithNothingToMaskIsTheSameFrame() throws Exception {
        MaskingShape shape = shape(List.of(field("id", 1, 23), field("note", 5, 25)), new short[0]);
        Frame row = row("42", "nothing here");
        assertThat(RowMasker.mask(row, shape, tally, StandardCharsets.UTF_8)).isSameAs(row);
        assertThat(tally.take()).isEmpty();
    }

    @Test
    void textFormatValuesAreMaskedByColumnAndByDetector() throws Exception {
        MaskingShape shape = shape(List.of(field("id", 1, 23), field("card", 2, 25), field("ssn", 3, 25),
                field("pin", 4, 23), field("note", 5, 25), field("total", 0, 25)), new short[0]);
        Frame masked = RowMasker.mask(row("7", "4242 4242 4242 4242", "123-45-6789", "1234",
                "mail bob@example.com", null), shape, tally, StandardCharsets.UTF_8);
        byte[][] values = ((BackendMessage.DataRow) BackendMessage.decode(masked)).values();
        assertThat(text(values[0])).isEqualTo("7");
        assertThat(text(values[1])).isEqualTo("**** **** **** 4242");
        assertThat(values[2]).isNull();
        assertThat(text(values[3])).isEqualTo("****");
        assertThat(text(values[4])).isEqualTo("mail [REDACTED]");
        assertThat(values[5]).isNull();
        assertThat(tally.take()).containsEntry("pii/customers.card", 1L).containsEntry("pii/customers.ssn", 1L)
                .containsEntry("pii/email", 1L);
    }

    @Test
    void computedColumnsGetDetectorsOnly() throws Exception {
        MaskingShape shape = shape(List.of(field("card", 0, 25)), new short[0]);
        Frame masked = RowMasker.mask(row("card 4242424242424242 and 1234"), shape, tally, StandardCharsets.UTF_8);
        assertThat(text(((BackendMessage.DataRow) BackendMessage.decode(masked)).values()[0]))
                .isEqualTo("card [REDACTED] and 1234");
    }

    @Test
    void binaryJsonbKeepsItsVersionByteAndStaysJson() throws Exception {
        MaskingShape shape = shape(List.of(field("profile", 6, 3802), field("note", 5, 3802)), new short[] {1});
        byte[] note = ("\u0001{\"mail\": \"bob@example.com\"}").getBytes(StandardCharsets.UTF_8);
        byte[] profile = "\u0001{\"a\": 1}".getBytes(StandardCharsets.UTF_8);
        Frame masked = RowMasker.mask(new BackendMessage.DataRow(new byte[][] {profile, note}).toFrame(), shape,
                tally, StandardCharsets.UTF_8);
        byte[][] values = ((BackendMessage.DataRow) BackendMessage.decode(masked)).values();
        assertThat(text(values[0])).isEqualTo("\u0001\"[REDACTED]\"");
        assertThat(text(values[1])).isEqualTo("\u0001{\"mail\": \"[REDACTED]\"}");
    }

    @Test
    void binaryValueOfANonTextTypeIsRefusedUnlessItBecomesNull() throws Exception {
        MaskingShape shape = shape(List.of(field("pin", 4, 23), field("ssn", 3, 23)), new short[] {1});
        Frame onlyNull = new BackendMessage.DataRow(new byte[][] {null, {0, 0, 0, 9}}).toFrame();
        assertThat(((BackendMessage.DataRow) BackendMessage.decode(RowMasker.mask(onlyNull, shape, tally,
                StandardCharsets.UTF_8))).values()[1]).isNull();
        Frame pin = new BackendMessage.DataRow(new byte[][] {{0, 0, 4, (byte) 210}, null}).toFrame();
        assertThatThrownBy(() -> RowMasker.mask(pin, shape, tally, StandardCharsets.UTF_8))
                .isInstanceOf(MaskingRefusal.class).hasMessageContaining("customers.pin");
    }

    @Test
    void rowNotMatchingItsDescriptionIsRefused() throws Exception {
        MaskingShape shape = shape(List.of(field("note", 5, 25)), new short[0]);
        assertThatThrownBy(() -> RowMasker.mask(row("a", "b"), shape, tally, StandardCharsets.UTF_8))
                .isInstanceOf(MaskingRefusal.class);
        assertThatThrownBy(() -> RowMasker.mask(new Frame((byte) 'D', new byte[] {0, 1, 0, 0, 0, 9, 'x'}), shape,
                tally, StandardCharsets.UTF_8)).isInstanceOf(MaskingRefusal.class);
    }

    @Test
    void copyRowsAreMaskedFieldByFieldWithEscapesKept() throws Exception {
        MaskingShape shape = MaskingShape.copy(resolver.tableColumns("customers"), 3, PLAN);
        Frame row = new Frame((byte) 'd', "1\t4242 4242 4242 4242\tline\\none bob@example.com\n"
                .getBytes(StandardCharsets.UTF_8));
        Frame masked = RowMaskerCopy.maskFields(row, shape, tally, StandardCharsets.UTF_8);
        assertThat(new String(masked.payload(), StandardCharsets.UTF_8))
                .isEqualTo("1\t**** **** **** 4242\tline\\none [REDACTED]\n");
        Frame clean = new Frame((byte) 'd', "2\t\\N\tplain\n".getBytes(StandardCharsets.UTF_8));
        assertThat(RowMaskerCopy.maskFields(clean, shape, tally, StandardCharsets.UTF_8)).isSameAs(clean);
    }

    @Test
    void errorDetailsDoNotQuoteValues() {
        Frame error = BackendMessage.ErrorResponse.of("ERROR", "23505", "duplicate key value").toFrame();
        Map<Character, String> fields = new java.util.LinkedHashMap<>(
                ((BackendMessage.ErrorResponse) BackendMessage.decode(error)).fields());
        fields.put('D', "Key (card)=(1234) already exists.");
        Frame masked = MaskingErrors.mask(new BackendMessage.ErrorResponse(fields).toFrame(), PLAN, tally);
        assertThat(((BackendMessage.ErrorResponse) BackendMessage.decode(masked)).fields().get('D'))
                .isEqualTo("Key (card)=([REDACTED]) already exists.");
    }

    private MaskingShape shape(List<Field> fields, short[] formats) throws MaskingRefusal {
        return MaskingShape.of(fields, formats, PLAN, resolver);
    }

    private static Field field(String name, int column, int type) {
        return new Field(name, column == 0 ? 0 : CUSTOMERS, (short) column, type, (short) -1, -1, (short) 0);
    }

    private static Frame row(String... values) {
        byte[][] bytes = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = values[i] == null ? null : values[i].getBytes(StandardCharsets.UTF_8);
        }
        return new BackendMessage.DataRow(bytes).toFrame();
    }

    private static String text(byte[] value) {
        return new String(value, StandardCharsets.UTF_8);
    }

    private static ColumnResolver.Key key(int column) {
        return new ColumnResolver.Key(CUSTOMERS, (short) column);
    }

    private static ColumnResolver.Name name(String column) {
        return new ColumnResolver.Name("public", "customers", column);
    }
}
