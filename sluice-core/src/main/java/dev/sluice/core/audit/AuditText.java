package dev.sluice.core.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import dev.sluice.core.config.ConfigNode;
import dev.sluice.core.config.ConfigProblems;
import dev.sluice.core.config.SluiceConfig;
import dev.sluice.core.masking.Detectors;
import dev.sluice.core.masking.MaskCounter;
import dev.sluice.core.masking.Strategy;
import dev.sluice.core.masking.TextMasker;

/**
 * Bounds what a caller can make Sluice record, so that the audit trail cannot itself be the target of an attack.
 *
 * <ul>
 *   <li><b>Statement text and parameters</b> ({@link #bounded}, {@link #parameters}): anything longer than
 *       {@code audit.max-statement-bytes} (UTF-8, default {@value #DEFAULT_MAX_STATEMENT_BYTES}) is recorded as its
 *       head, cut at a character boundary, followed by {@code …[cut: N bytes, sha256 HEX]}: the whole text's
 *       length and digest, so a recorded statement can still be matched against one kept elsewhere. Parameters
 *       share one budget of the same size.</li>
 *   <li><b>Caller-chosen strings</b> recorded before or after authentication ({@link #callerString}: the claimed
 *       user name, {@code application_name}, justifications): masked with the built-in secret detectors (JWTs,
 *       private keys, cloud and chat tokens, card numbers, IBANs, SSNs) and cut at {@value #MAX_CALLER_CHARS}
 *       characters. A token pasted as a user name is not kept.</li>
 * </ul>
 * Control characters are kept as sent: every text output escapes them when it prints.
 */
public final class AuditText {
    public static final int DEFAULT_MAX_STATEMENT_BYTES = 64 * 1024;
    public static final int MIN_MAX_STATEMENT_BYTES = 1024;
    public static final int MAX_MAX_STATEMENT_BYTES = 16 * 1024 * 1024;
    static final int MAX_CALLER_CHARS = 256;
    private static final Set<String> CALLER_DETECTORS = Set.of("jwt", "private-key", "aws-key", "card", "iban",
            "ssn");
    private static final TextMasker SECRETS = new TextMasker(Detectors.builtInNames().stream()
            .filter(n -> CALLER_DETECTORS.contains(n) || n.contains("token"))
            .map(n -> Detectors.builtIn(n).orElseThrow()).toList(), Strategy.redact());

    private AuditText() {
    }

    /** {@code audit.max-statement-bytes} of a validated config (problems were reported when it was loaded). */
    public static int maxStatementBytes(SluiceConfig config) {
        return bind(config.raw().at("audit"), new ConfigProblems());
    }

    /** Binds {@code max-statement-bytes} under the {@code audit} node, recording a problem when out of range. */
    public static int bind(ConfigNode audit, ConfigProblems problems) {
        return problems.integer(audit, "max-statement-bytes", DEFAULT_MAX_STATEMENT_BYTES, MIN_MAX_STATEMENT_BYTES,
                MAX_MAX_STATEMENT_BYTES);
    }

    /** {@code text} whole when its UTF-8 encoding fits {@code maxBytes}; else its head and the cut marker. */
    public static String bounded(String text, int maxBytes) {
        if (text.length() <= maxBytes / 3) {
            return text; // at most 3 bytes per UTF-16 unit: fits without encoding
        }
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= maxBytes) {
            return text;
        }
        return head(text, maxBytes) + marker(utf8);
    }

    /**
     * The parameters, sharing one budget of {@code maxBytes}: each is recorded whole while it fits what is left,
     * else cut; once the budget is spent, the rest are folded into a single marker with their count.
     */
    public static List<String> parameters(List<String> values, int maxBytes) {
        List<String> result = new ArrayList<>(Math.min(values.size(), 1024));
        long left = maxBytes;
        for (int i = 0; i < values.size(); i++) {
            if (left <= 0) {
                result.add("…[cut: " + (values.size() - i) + " more parameters]");
                break;
            }
            String value = bounded(values.get(i), (int) Math.max(left, 1));
            result.add(value);
            left -= value.length();
        }
        return result;
    }

    /**
     * A caller-chosen string fit to record: secrets masked, at most {@value #MAX_CALLER_CHARS} characters (a longer
     * one keeps its head and says how long it was). Idempotent: applying it to its own result changes nothing.
     */
    public static String callerString(String value) {
        if (value.length() <= MAX_CALLER_CHARS) {
            return SECRETS.mask(value, new MaskCounter());
        }
        // Mask a generous head (a secret straddling the cut is still recognised), then cut.
        String head = value.substring(0, Math.min(value.length(), 4 * MAX_CALLER_CHARS));
        String masked = SECRETS.mask(head, new MaskCounter());
        String marker = "…[cut: " + value.length() + " characters]";
        int keep = MAX_CALLER_CHARS - marker.length();
        String cut = masked.substring(0, Math.min(masked.length(), keep));
        if (!cut.isEmpty() && Character.isHighSurrogate(cut.charAt(cut.length() - 1))) {
            cut = cut.substring(0, cut.length() - 1);
        }
        return cut + marker;
    }

    /**
     * {@code value} with the built-in secret detectors applied (tokens, private keys, cloud keys, card numbers,
     * IBANs, SSNs), whole, not cut: for what is shown to people beyond the audited text (a held request's body).
     */
    public static String secretsMasked(String value) {
        return SECRETS.mask(value, new MaskCounter());
    }

    private static String head(String text, int maxBytes) {
        int bytes = 0;
        int end = 0;
        while (end < text.length()) {
            int cp = text.codePointAt(end);
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + size > maxBytes) {
                break;
            }
            bytes += size;
            end += Character.charCount(cp);
        }
        return text.substring(0, end);
    }

    private static String marker(byte[] utf8) {
        try {
            return "…[cut: " + utf8.length + " bytes, sha256 "
                    + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(utf8)) + "]";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }
}
