package dev.sluice.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.SecretResolver;
import dev.sluice.core.masking.MaskingKeys;
import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.core.masking.MaskingRules;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.Frame;

/** The session-free masking seam the benchmarks use masks DataRows as the relay does. */
class DataRowMaskingTest {
    private static final MaskingPlan PLAN = MaskingRules.parse(ConfigNode.parse(Path.of("t.yaml"), """
            masking:
              - name: pii
                columns:
                  customers.card: partial
                detectors: [email]
            """).at("masking"), MaskingKeys.fixed(new byte[32]), new SecretResolver(Map.of())).plan("c", Set.of());

    @Test
    void masksTheNamedColumnsAndDetectorsAndPassesCleanRowsUntouched() {
        DataRowMasking masking = DataRowMasking.forTable("public", "customers", List.of("id", "card", "note"),
                List.of(23, 25, 25), PLAN);

        Frame masked = masking.mask(row("7", "4242 4242 4242 4242", "mail bob@example.com"));
        byte[][] values = ((BackendMessage.DataRow) BackendMessage.decode(masked)).values();
        Frame clean = row("8", null, "nothing here");

        assertThat(new String(values[1], StandardCharsets.UTF_8)).isEqualTo("**** **** **** 4242");
        assertThat(new String(values[2], StandardCharsets.UTF_8)).doesNotContain("bob@example.com");
        assertThat(masking.takeMasked()).isEqualTo(2);
        assertThat(masking.mask(clean)).isSameAs(clean);
        assertThat(masking.takeMasked()).isZero();
    }

    @Test
    void refusesARowThatDoesNotFitTheColumnsAndMismatchedLists() {
        DataRowMasking masking = DataRowMasking.forTable("public", "customers", List.of("id", "card"),
                List.of(23, 25), PLAN);

        assertThatThrownBy(() -> masking.mask(row("1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("masking refuses the row");
        assertThatThrownBy(() -> DataRowMasking.forTable("public", "customers", List.of("id"), List.of(), PLAN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("differ in length");
    }

    private static Frame row(String... values) {
        byte[][] bytes = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = values[i] == null ? null : values[i].getBytes(StandardCharsets.UTF_8);
        }
        return new BackendMessage.DataRow(bytes).toFrame();
    }
}
