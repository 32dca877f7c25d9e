package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MaskCommandTest {
    private static final String CONFIG = """
            listen:
              postgres: 127.0.0.1:0
            connections:
              - name: orders
                type: postgres
                address: 127.0.0.1:5432
                database: orders
                user: app
                password: x
            masking:
              - name: customer-pii
                connections: [orders]
                unless-groups: [dpo]
                columns:
                  customers.card: partial
                  customers.email: hash
                detectors: [card, email]
                custom-detectors:
                  - name: order-ref
                    pattern: 'ORD-[0-9]{8}'
                strategy: redact
            """;

    @TempDir
    Path dir;

    private String[] run(String... args) throws Exception {
        Path config = dir.resolve("sluice.yaml");
        if (!Files.exists(config)) {
            Files.writeString(config, CONFIG);
        }
        CommandLine cli = SluiceCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        String[] full = new String[args.length + 4];
        full[0] = "mask";
        full[1] = "test";
        full[2] = "--config";
        full[3] = config.toString();
        System.arraycopy(args, 0, full, 4, args.length);
        int code = cli.execute(full);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void showsWhatTheDetectorsDoToAText() throws Exception {
        String[] result = run("--connection", "orders", "mail bob@example.com, card 4242 4242 4242 4242, ORD-12345678");
        assertThat(result[0]).isEqualTo("0");
        assertThat(result[1]).contains("rules: customer-pii",
                "detectors: mail [REDACTED], card [REDACTED], [REDACTED]", "masked: customer-pii/email x1",
                "masked: customer-pii/order-ref x1");
        assertThat(Files.exists(dir.resolve("sluice-data"))).as("a dry run writes nothing").isFalse();
    }

    @Test
    void showsAColumnRuleAndTheExemptGroups() throws Exception {
        String[] card = run("--column", "customers.card", "4242 4242 4242 4242");
        assertThat(card[1]).contains("column customers.card: rule customer-pii (customers.card): **** **** **** 4242");
        String[] dpo = run("--connection", "orders", "--groups", "dpo", "bob@example.com");
        assertThat(dpo[1]).contains("rules: (none apply)", "detectors: bob@example.com", "masked: nothing");
    }

    @Test
    void reportsConfigProblemsWithTheirLine() throws Exception {
        Files.writeString(dir.resolve("sluice.yaml"), CONFIG.replace("[card, email]", "[card, nope]"));
        String[] result = run("x");
        assertThat(result[0]).isEqualTo("2");
        assertThat(result[2]).contains("sluice.yaml:17").contains("unknown detector 'nope'");
    }
}
