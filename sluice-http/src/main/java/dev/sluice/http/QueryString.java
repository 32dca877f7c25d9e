package dev.sluice.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.sluice.http.wire.HttpProtocolException;

/** A decoded query string ({@code application/x-www-form-urlencoded}, as Go's {@code url.ParseQuery} reads it). */
record QueryString(List<Map.Entry<String, String>> pairs) {

    static QueryString parse(String raw) {
        List<Map.Entry<String, String>> result = new ArrayList<>();
        if (raw.isEmpty()) {
            return new QueryString(result);
        }
        for (String pair : raw.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            if (pair.indexOf(';') >= 0) {
                // Go refuses ';' as a separator since 1.17; other servers split on it: two readings, refuse.
                throw new HttpProtocolException(400, "';' in the query string is refused");
            }
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                result.add(Map.entry(URLDecoder.decode(key, StandardCharsets.UTF_8),
                        URLDecoder.decode(value, StandardCharsets.UTF_8)));
            } catch (IllegalArgumentException e) {
                throw new HttpProtocolException(400, "malformed percent-encoding in the query string");
            }
        }
        return new QueryString(List.copyOf(result));
    }

    /** Every value of {@code key}, in order. */
    List<String> all(String key) {
        return pairs.stream().filter(p -> p.getKey().equals(key)).map(Map.Entry::getValue).toList();
    }

    /** The first value of {@code key} (Go's {@code Values.Get}). */
    Optional<String> first(String key) {
        return pairs.stream().filter(p -> p.getKey().equals(key)).map(Map.Entry::getValue).findFirst();
    }
}
