package dev.sluice.postgres.masking;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.sluice.core.masking.MaskTally;
import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.core.masking.Strategy;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.Frame;

/**
 * Masks what the server's ErrorResponse, NoticeResponse and NotificationResponse say, since they quote data:
 * {@code Key (email)=(bob@example.com) already exists}. The detectors run over the message (M), detail (D), hint
 * (H), context (W) and internal query (q) fields. When the plan has column rules, the quoted values of a
 * {@code Key (...)=(...)} or {@code Failing row contains (...)} detail are redacted whole: they are column values
 * whose table the detail does not name, and a column rule may protect them where no detector would see them.
 */
public final class MaskingErrors {
    private static final List<Character> FIELDS = List.of('M', 'D', 'H', 'W', 'q');
    private static final Pattern KEY = Pattern.compile("(Key \\(.*?\\)=\\()(.*)(\\)[^)]*)$", Pattern.DOTALL);
    private static final Pattern FAILING_ROW = Pattern.compile("(Failing row contains \\()(.*)(\\)\\.?)$",
            Pattern.DOTALL);

    private MaskingErrors() {
    }

    /**
     * The frame with every field that quotes a value this session had masked ({@code seen}) redacted there; the
     * same frame when none does.
     */
    public static Frame scrub(Frame frame, MaskedValues seen) {
        if (seen.isEmpty()) {
            return frame;
        }
        switch (frame.type()) {
            case 'E', 'N' -> {
                Map<Character, String> fields = frame.type() == 'E'
                        ? ((BackendMessage.ErrorResponse) BackendMessage.decode(frame)).fields()
                        : ((BackendMessage.NoticeResponse) BackendMessage.decode(frame)).fields();
                Map<Character, String> scrubbed = new LinkedHashMap<>(fields);
                boolean changed = false;
                for (char code : FIELDS) {
                    String value = fields.get(code);
                    if (value != null && seen.scrub(value) != value) {
                        scrubbed.put(code, seen.scrub(value));
                        changed = true;
                    }
                }
                if (!changed) {
                    return frame;
                }
                return frame.type() == 'E' ? new BackendMessage.ErrorResponse(scrubbed).toFrame()
                        : new BackendMessage.NoticeResponse(scrubbed).toFrame();
            }
            case 'A' -> {
                BackendMessage.NotificationResponse n = (BackendMessage.NotificationResponse) BackendMessage.decode(frame);
                String payload = seen.scrub(n.payload());
                return payload == n.payload() ? frame
                        : new BackendMessage.NotificationResponse(n.processId(), n.channel(), payload).toFrame();
            }
            default -> {
                return frame;
            }
        }
    }

    /** The frame with its fields masked; the same frame when nothing changed. */
    public static Frame mask(Frame frame, MaskingPlan plan, MaskTally tally) {
        Map<Character, String> fields = frame.type() == 'E'
                ? ((BackendMessage.ErrorResponse) BackendMessage.decode(frame)).fields()
                : ((BackendMessage.NoticeResponse) BackendMessage.decode(frame)).fields();
        Map<Character, String> masked = new LinkedHashMap<>(fields);
        boolean changed = false;
        for (char code : FIELDS) {
            String value = fields.get(code);
            if (value == null) {
                continue;
            }
            String result = plan.maskText(value, tally);
            if (code == 'D' && plan.hasColumnRules()) {
                result = redactQuoted(result);
            }
            if (!result.equals(value)) {
                masked.put(code, result);
                changed = true;
            }
        }
        if (!changed) {
            return frame;
        }
        return frame.type() == 'E' ? new BackendMessage.ErrorResponse(masked).toFrame()
                : new BackendMessage.NoticeResponse(masked).toFrame();
    }

    private static final Pattern QUOTED = Pattern.compile("\"[^\"]*\"|'[^']*'");
    private static final Pattern DIGITS = Pattern.compile("[0-9][0-9 .-]{2,}[0-9]");

    /**
     * The frame of a statement that reads masked values (its lineage is tainted): besides the detectors, whatever
     * may quote a derived value is redacted. The message keeps its wording but loses every quoted part and every run
     * of four or more digits ({@code invalid input syntax for type integer: "42424242"}); a message raised by code
     * (PL/pgSQL {@code RAISE}, SQLSTATE class P0, or any notice or warning) is replaced whole; detail, hint,
     * context and internal query are replaced whole.
     */
    public static Frame maskDerived(Frame frame, MaskingPlan plan, MaskTally tally) {
        Map<Character, String> fields = frame.type() == 'E'
                ? ((BackendMessage.ErrorResponse) BackendMessage.decode(frame)).fields()
                : ((BackendMessage.NoticeResponse) BackendMessage.decode(frame)).fields();
        Map<Character, String> masked = new LinkedHashMap<>(fields);
        String severity = fields.getOrDefault('V', fields.getOrDefault('S', ""));
        String state = fields.getOrDefault('C', "");
        boolean raised = frame.type() == 'N' || state.startsWith("P0") || state.startsWith("01")
                || !(severity.equals("ERROR") || severity.equals("FATAL") || severity.equals("PANIC"));
        for (char code : FIELDS) {
            String value = fields.get(code);
            if (value == null) {
                continue;
            }
            String result;
            if (code == 'M' && !raised) {
                result = plan.maskText(value, tally);
                result = QUOTED.matcher(result).replaceAll(m -> Matcher.quoteReplacement(
                        m.group().charAt(0) + Strategy.REDACTED + m.group().charAt(0)));
                result = DIGITS.matcher(result).replaceAll(Matcher.quoteReplacement(Strategy.REDACTED));
            } else {
                result = code == 'M' ? Strategy.REDACTED + " (a message of a statement reading masked values)"
                        : Strategy.REDACTED;
            }
            masked.put(code, result);
        }
        return frame.type() == 'E' ? new BackendMessage.ErrorResponse(masked).toFrame()
                : new BackendMessage.NoticeResponse(masked).toFrame();
    }

    /** A ParameterStatus value as the client may see it: detectors, and redacted whole when {@code derived}. */
    public static String maskStatus(String value, boolean derived, MaskingPlan plan, MaskTally tally) {
        return derived && !value.isEmpty() ? Strategy.REDACTED : plan.maskText(value, tally);
    }

    public static Frame maskNotification(Frame frame, MaskingPlan plan, MaskTally tally) {
        return maskNotification(frame, false, plan, tally);
    }

    /** A notification's payload with the detectors, or redacted whole when {@code derived}. */
    public static Frame maskNotification(Frame frame, boolean derived, MaskingPlan plan, MaskTally tally) {
        BackendMessage.NotificationResponse n = (BackendMessage.NotificationResponse) BackendMessage.decode(frame);
        String payload = maskStatus(n.payload(), derived, plan, tally);
        return payload == n.payload() ? frame
                : new BackendMessage.NotificationResponse(n.processId(), n.channel(), payload).toFrame();
    }

    private static String redactQuoted(String detail) {
        for (Pattern pattern : List.of(KEY, FAILING_ROW)) {
            Matcher m = pattern.matcher(detail);
            if (m.find()) {
                return detail.substring(0, m.start()) + m.group(1) + Strategy.REDACTED + m.group(3);
            }
        }
        return detail;
    }
}
