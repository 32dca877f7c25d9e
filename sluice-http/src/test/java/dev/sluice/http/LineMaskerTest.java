package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.SecretResolver;
import dev.sluice.core.masking.MaskingKeys;
import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.core.masking.MaskingRules;

/** Container logs and event streams: masked line by line, each line passed on as soon as it is complete. */
class LineMaskerTest {
    private static final MaskingPlan PLAN = MaskingRules.parse(ConfigNode.parse(Path.of("sluice.yaml"), """
            masking:
              - name: pii
                detectors: [email, card]
            """).at("masking"), MaskingKeys.ephemeral(), new SecretResolver(Map.of())).plan("c", Set.of());

    @Test
    void everyLineIsMaskedAndTheRestPassesUnchanged() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LineMasker masker = new LineMasker(PLAN);
        masker.mask(new java.io.ByteArrayInputStream(("login ada@example.com ok\npaid 4242 4242 4242 4242\nplain\nno "
                + "newline bob@example.org").getBytes(StandardCharsets.UTF_8)), out);
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).doesNotContain("ada@example.com").doesNotContain("4242 4242 4242 4242")
                .doesNotContain("bob@example.org").contains("plain\n").startsWith("login ");
        assertThat(text.lines()).hasSize(4);
        assertThat(masker.counts()).isNotEmpty();
    }

    @Test
    void aLineReachesTheClientBeforeTheStreamEnds() throws Exception {
        PipedOutputStream upstream = new PipedOutputStream();
        InputStream in = new PipedInputStream(upstream, 4096);
        CountDownLatch firstLine = new CountDownLatch(1);
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        OutputStream client = new OutputStream() {
            @Override
            public void write(int b) {
                seen.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                seen.write(b, off, len);
            }

            @Override
            public void flush() {
                if (seen.toString(StandardCharsets.UTF_8).contains("\n")) {
                    firstLine.countDown();
                }
            }
        };
        Thread relay = Thread.ofVirtual().start(() -> {
            try {
                new LineMasker(PLAN).mask(in, client);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        upstream.write("first ada@example.com\n".getBytes(StandardCharsets.UTF_8));
        upstream.flush();
        assertThat(firstLine.await(5, TimeUnit.SECONDS)).as("logs -f: the line arrives while the stream is open")
                .isTrue();
        assertThat(seen.toString(StandardCharsets.UTF_8)).startsWith("first ").doesNotContain("ada@example.com");
        upstream.close();
        relay.join(5000);
    }
}
