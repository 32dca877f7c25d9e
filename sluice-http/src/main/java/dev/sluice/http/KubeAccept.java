package dev.sluice.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Negotiates Kubernetes responses down to JSON, so that masking can read them: from the client's {@code Accept},
 * keeps the JSON media ranges (with their {@code as=Table;v=..;g=..} parameters, which the table output needs) and
 * drops protobuf, YAML and CBOR. Nothing left: {@code application/json}.
 */
final class KubeAccept {
    private KubeAccept() {
    }

    static String jsonOnly(List<String> accept) {
        List<String> kept = new ArrayList<>();
        for (String value : accept) {
            for (String range : value.split(",")) {
                String r = range.strip();
                String type = r.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
                if (type.equals("application/json")) {
                    kept.add(r);
                }
            }
        }
        return kept.isEmpty() ? "application/json" : String.join(",", kept);
    }
}
