package dev.sluice.http.wire;

import java.util.Objects;

/** One header field as received: the name keeps its spelling, lookups ignore case. */
public record Header(String name, String value) {
    public Header {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }
}
