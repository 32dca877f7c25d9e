package dev.sluice.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.Frame;

/**
 * Deterministic test data for {@link MaskingBenchmark}: exactly {@link #BYTES} bytes of UTF-8 row values, mostly
 * clean text of 50-200 bytes (notes, addresses, log lines, product text with dates, amounts, order numbers,
 * versions and the odd '+', '@' or parenthesis), one value in ten holding something sensitive (an e-mail, a card,
 * a phone number, an IBAN, an SSN, an IP address, a token or key); and rows of a {@code customers} table.
 */
final class MaskingCorpus {
    /** Every corpus is exactly this many bytes of values, so one pass = 1 MB and ops/s reads as MB/s. */
    static final int BYTES = 1_000_000;

    private static final String[] WORDS = ("the order was shipped on time and the customer asked about renewal pricing "
            + "for next quarter please call back tomorrow regarding invoice delivery address changed warehouse "
            + "Berlin München Zürich São Paulo lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod "
            + "tempor incididunt labore magna aliqua ticket escalated support team resolved refund approved pending "
            + "review contract signed meeting notes version release build failed retry scheduled backup").split(" ");
    private static final String[] SHAPES = {"ORD-%08d", "v%d.%d.%d", "%d.%02d EUR", "2024-%02d-%02d",
            "12:%02d:%02d", "(ref %d)", "C++ %d", "@team-%d", "#%d", "%d items", "-%d%%", "id=%d", "a.b.%d"};
    private static final String[] PII = {"jane.doe%d@example.com", "4111 1111 1111 1111", "+44 20 7946 %04d",
            "(415) 555-%04d", "DE89 3704 0044 0532 0130 00", "078-05-%04d", "192.168.%d.17",
            "2001:db8::%x:1", "AKIAIOSFODNN7EXAMPL%d", "ghp_%036d",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U%d"};

    private MaskingCorpus() {
    }

    /** Free-text values, {@code piiShare} of them with one sensitive item, exactly {@link #BYTES} bytes in all. */
    static List<byte[]> values(long seed, double piiShare) {
        SplittableRandom random = new SplittableRandom(seed);
        List<byte[]> result = new ArrayList<>();
        int total = 0;
        while (total < BYTES) {
            byte[] value = text(random, 50 + random.nextInt(151), random.nextDouble() < piiShare)
                    .getBytes(StandardCharsets.UTF_8);
            if (total + value.length > BYTES) {
                value = ascii(random, BYTES - total);
            }
            result.add(value);
            total += value.length;
        }
        return result;
    }

    /**
     * DataRows of {@code customers(id int4, name text, email text, card text, phone text, note text)}, text format:
     * the values alone (without DataRow's length fields) add up to {@link #BYTES}.
     */
    static List<Frame> customerRows(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Frame> result = new ArrayList<>();
        int total = 0;
        for (int id = 1; total < BYTES; id++) {
            String[] values = {Integer.toString(id), "Customer " + WORDS[random.nextInt(WORDS.length)] + " " + id,
                    "user" + id + "@example.com", "4242 4242 4242 4242",
                    String.format("+1 (415) 555-%04d", id % 10_000),
                    text(random, 40 + random.nextInt(121), random.nextInt(20) == 0)};
            byte[][] bytes = new byte[values.length][];
            int size = 0;
            for (int i = 0; i < values.length; i++) {
                bytes[i] = values[i].getBytes(StandardCharsets.UTF_8);
                size += bytes[i].length;
            }
            if (total + size > BYTES) {
                bytes[5] = ascii(random, Math.max(0, BYTES - total - size + bytes[5].length));
                size = BYTES - total;
                if (size < 0) {
                    break;
                }
            }
            result.add(new BackendMessage.DataRow(bytes).toFrame());
            total += size;
        }
        return result;
    }

    static final List<String> CUSTOMER_COLUMNS = List.of("id", "name", "email", "card", "phone", "note");
    static final List<Integer> CUSTOMER_TYPES = List.of(23, 25, 25, 25, 25, 25);

    private static String text(SplittableRandom random, int length, boolean pii) {
        StringBuilder result = new StringBuilder(length + 64);
        int piiAt = pii ? random.nextInt(Math.max(1, length / 2)) : -1;
        while (result.length() < length) {
            if (piiAt >= 0 && result.length() >= piiAt) {
                result.append(String.format(PII[random.nextInt(PII.length)], random.nextInt(10_000))).append(' ');
                piiAt = -1;
            } else if (random.nextInt(6) == 0) {
                String shape = SHAPES[random.nextInt(SHAPES.length)];
                result.append(String.format(shape, random.nextInt(10_000), random.nextInt(60), random.nextInt(30)))
                        .append(' ');
            } else {
                result.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(12) == 0 ? ", " : " ");
            }
        }
        return result.toString().strip();
    }

    private static byte[] ascii(SplittableRandom random, int length) {
        byte[] result = new byte[length];
        for (int i = 0; i < length; i++) {
            result[i] = (byte) (i % 7 == 6 ? ' ' : 'a' + random.nextInt(26));
        }
        return result;
    }
}
