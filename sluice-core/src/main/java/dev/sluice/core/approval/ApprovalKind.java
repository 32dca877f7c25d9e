package dev.sluice.core.approval;

import java.util.Locale;

/** What a request asks for: running one held statement, or time-bound access to a connection. */
public enum ApprovalKind {
    STATEMENT, ACCESS;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ApprovalKind parse(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT));
    }
}
