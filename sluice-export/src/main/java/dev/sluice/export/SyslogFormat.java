package dev.sluice.export;

import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

import dev.sluice.core.audit.AuditJson;
import dev.sluice.core.audit.AuditRecord;

/**
 * One event as an RFC 5424 message:
 *
 * <pre>
 * &lt;PRI&gt;1 TIMESTAMP HOSTNAME APP-NAME - MSGID [sluice@32473 seq="…" session="…" …] {json}
 * </pre>
 *
 * Facility 13 (log audit); severity warning (4) for refusals and failed authentications, notice (5) otherwise.
 * MSGID is the event kind. The structured data repeats the queryable fields (32473 is the private enterprise number
 * RFC 5612 reserves for documentation); MSG is the event's JSON ({@link dev.sluice.core.audit.AuditJson}), without a BOM.
 */
final class SyslogFormat {
    static final String SD_ID = "sluice@32473";
    private static final int FACILITY = 13;

    private SyslogFormat() {
    }

    static String message(AuditRecord record, String hostname, String appName) {
        StringBuilder result = new StringBuilder(256);
        result.append('<').append(FACILITY * 8 + severity(record)).append(">1 ")
                .append(DateTimeFormatter.ISO_INSTANT.format(record.time().truncatedTo(ChronoUnit.MILLIS)))
                .append(' ').append(header(hostname, 255)).append(' ').append(header(appName, 48))
                .append(" - ").append(header(record.kind(), 32)).append(" [").append(SD_ID);
        param(result, "seq", Long.toString(record.seq()));
        param(result, "session", record.session());
        param(result, "subject", record.subject());
        param(result, "connection", record.connection());
        param(result, "verdict", record.verdict());
        result.append("] ").append(AuditJson.toJson(record));
        return result.toString();
    }

    private static int severity(AuditRecord record) {
        boolean warning = "deny".equals(record.verdict()) || record.kind().equals("auth.failure")
                || record.kind().equals("access.denied");
        return warning ? 4 : 5;
    }

    private static void param(StringBuilder out, String name, String value) {
        if (value.isEmpty()) {
            return;
        }
        out.append(' ').append(name).append("=\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\' || c == ']') {
                out.append('\\');
            }
            out.append(c);
        }
        out.append('"');
    }

    /** A header field: printable US-ASCII without spaces, at most {@code max} characters; "-" when empty. */
    static String header(String value, int max) {
        StringBuilder result = new StringBuilder();
        for (int i = 0; i < value.length() && result.length() < max; i++) {
            char c = value.charAt(i);
            result.append(c > 32 && c < 127 ? c : '_');
        }
        return result.isEmpty() ? "-" : result.toString();
    }
}
