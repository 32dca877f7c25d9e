package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

/** The hand-written canonical JSON is Jackson's, byte for byte: the hash chain covers this text. */
class StoreJsonTest {

    @Test
    void theHandWrittenWriterAgreesWithJacksonOnRandomEventDetails() throws Exception {
        Random random = new Random(12);
        for (int i = 0; i < 3000; i++) {
            Object value = value(random, 0);
            assertThat(CanonicalJson.write(value)).as("value %s", value)
                    .contains(StoreJson.MAPPER.writeValueAsString(value));
        }
    }

    @Test
    void everyCharacterIsQuotedAsJacksonQuotesIt() throws Exception {
        StringBuilder all = new StringBuilder();
        for (int c = 0; c < 0x3000; c++) {
            all.append((char) c);
        }
        all.append("\uD800 lone \uDC00 surrogates \uD83D\uDE00 \u2028\u2029\uFEFF");
        String text = all.toString();
        assertThat(CanonicalJson.write(text)).contains(StoreJson.MAPPER.writeValueAsString(text));
        assertThat(StoreJson.write(Map.of("k", text))).isEqualTo(StoreJson.MAPPER.writeValueAsString(Map.of("k",
                text)));
    }

    @Test
    void mapsOfAnyOrderAreWrittenSorted() {
        Map<String, Object> linked = new LinkedHashMap<>();
        linked.put("zeta", 1L);
        linked.put("alpha", List.of("b", "a"));
        linked.put("Mid", Map.of("y", true, "x", false));
        assertThat(StoreJson.write(linked)).isEqualTo("{\"Mid\":{\"x\":false,\"y\":true},\"alpha\":[\"b\",\"a\"],"
                + "\"zeta\":1}");
    }

    @Test
    void typesItDoesNotKnowAreLeftToJackson() throws Exception {
        Map<String, Object> odd = new TreeMap<>(Map.of("d", 1.5, "s", (short) 3));
        assertThat(CanonicalJson.write(odd)).isEmpty();
        assertThat(CanonicalJson.write(Map.of(1, "x"))).isEmpty();
        assertThat(StoreJson.write(odd)).isEqualTo(StoreJson.MAPPER.writeValueAsString(odd))
                .isEqualTo("{\"d\":1.5,\"s\":3}");
    }

    private static Object value(Random random, int depth) {
        int kind = random.nextInt(depth > 2 ? 5 : 8);
        return switch (kind) {
            case 0 -> text(random);
            case 1 -> random.nextLong();
            case 2 -> random.nextInt();
            case 3 -> random.nextBoolean();
            case 4 -> null;
            case 5 -> {
                List<Object> result = new ArrayList<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    result.add(value(random, depth + 1));
                }
                yield result;
            }
            default -> {
                Map<String, Object> result = random.nextBoolean() ? new HashMap<>() : new TreeMap<>();
                for (int i = random.nextInt(6); i > 0; i--) {
                    result.put(text(random), value(random, depth + 1));
                }
                yield result;
            }
        };
    }

    private static String text(Random random) {
        StringBuilder result = new StringBuilder();
        for (int i = random.nextInt(12); i > 0; i--) {
            int pick = random.nextInt(4);
            result.append(switch (pick) {
                case 0 -> (char) random.nextInt(0x80);
                case 1 -> (char) random.nextInt(0x20);
                case 2 -> "\"\\/".charAt(random.nextInt(3));
                default -> (char) random.nextInt(0x10000);
            });
        }
        return result.toString();
    }
}
