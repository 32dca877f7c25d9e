package dev.sluice.postgres.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.sluice.core.Secret;

/**
 * Jazzer fuzz target for the SCRAM-SHA-256 client reading what the upstream server sends: the server-first-message
 * ({@link Scram#clientFinalMessage}) and the server-final-message ({@link Scram#verifyServerFinal}). Seeds (the
 * RFC 7677 exchange and broken variants) are in
 * {@code src/test/resources/dev/sluice/postgres/wire/ScramFuzzTestInputs/serverMessages/}.
 *
 * <p>The contract: the only exception is {@link WireException}; a client-final-message is sent only for a
 * server-first-message whose nonce extends the client's, and it echoes that nonce; the exchange completes only when
 * the server proves it knows the password (only the real RFC 7677 answer does). Iteration counts above
 * {@link #MAX_FUZZ_ITERATIONS} are skipped to keep executions fast: Scram bounds them at 10,000,000 by design.
 */
class ScramFuzzTest {
    /** The nonce of the RFC 7677 example. */
    static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
    private static final int MAX_FUZZ_ITERATIONS = 4096;
    private static final Pattern ITERATIONS = Pattern.compile(",i=\\+?0*([0-9]+)");

    /** Input layout: {@code server-first | 0x00 | server-final} (a real message never holds a NUL). */
    @FuzzTest(maxDuration = "10s")
    void serverMessages(byte[] data) {
        int nul = 0;
        while (nul < data.length && data[nul] != 0) {
            nul++;
        }
        byte[] serverFirst = java.util.Arrays.copyOfRange(data, 0, nul);
        byte[] serverFinal = java.util.Arrays.copyOfRange(data, Math.min(nul + 1, data.length), data.length);
        Matcher iterations = ITERATIONS.matcher(new String(serverFirst, StandardCharsets.ISO_8859_1));
        while (iterations.find()) {
            String digits = iterations.group(1);
            if (digits.length() > 4 || Integer.parseInt(digits) > MAX_FUZZ_ITERATIONS) {
                return;
            }
        }
        Scram scram = Scram.client("user", Secret.of("pencil"), CLIENT_NONCE);
        scram.clientFirstMessage();
        String clientFinal;
        try {
            clientFinal = new String(scram.clientFinalMessage(serverFirst), StandardCharsets.US_ASCII);
        } catch (WireException e) {
            return;
        }
        String first = new String(serverFirst, StandardCharsets.US_ASCII);
        String nonce = first.substring(2, first.indexOf(',') < 0 ? first.length() : first.indexOf(','));
        assertThat(first).startsWith("r=" + CLIENT_NONCE);
        assertThat(nonce).hasSizeGreaterThan(CLIENT_NONCE.length());
        assertThat(clientFinal).startsWith("c=biws,r=" + nonce + ",p=");
        try {
            scram.verifyServerFinal(serverFinal);
        } catch (WireException e) {
            return;
        }
        assertThat(first).as("only the RFC 7677 server knows the password")
                .isEqualTo("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    }
}
