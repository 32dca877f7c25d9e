package dev.sluice.http;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import dev.sluice.core.approval.HeldPreview;
import dev.sluice.core.masking.MaskTally;
import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.http.wire.BodyFraming;
import dev.sluice.http.wire.Header;
import dev.sluice.http.wire.RequestHead;

/**
 * Builds what approvers are shown of a held request ({@link HeldPreview}): its content type, the header fields in
 * {@link #SHOWN} with their values (names of the other forwarded fields only; the caller's {@code Authorization} and
 * everything else Sluice drops are not even named), and its body masked by the connection's rules (every rule,
 * whoever the caller) according to its format. The core masks the result again with the detectors and cuts it.
 *
 * <p>Fail closed, by format: a JSON body goes through the {@link JsonMasker} (field rules, Secret values, detectors);
 * a form body ({@code application/x-www-form-urlencoded}) is shown decoded, one field a line, each value masked by
 * its field's rule or the detectors; another textual body only when the connection has no field rules (the detectors
 * then cover all of it) and never for Kubernetes (a YAML Secret); a binary, encoded or malformed body is not shown
 * and the preview says why. Built only when a request is held. Stateless.
 */
final class RequestPreview {
    /** Header fields whose values approvers see: none carries a credential. */
    static final Set<String> SHOWN = Set.of("content-type", "content-length", "accept", "accept-language",
            "user-agent", "x-request-id", "kubectl-command", "origin", "content-encoding", "content-language",
            "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "prefer", "idempotency-key");
    /** Masked body text kept before the core's own masking and cut (twice what is shown: values at the cut). */
    static final int MAX_TEXT = 2 * HeldPreview.MAX_BODY_CHARS;

    private RequestPreview() {
    }

    /**
     * @param dropped what is not forwarded (see {@code Forwarder.dropped}): not shown, not named
     * @param body    the whole body when Sluice read it before the judgment
     * @param table   what field rules name: the HTTP connection or the Kubernetes resource
     * @param kube    a Kubernetes request (only JSON bodies shown; Secret values masked for {@code secrets})
     */
    static HeldPreview of(RequestHead head, Set<String> dropped, BodyFraming framing, Optional<byte[]> body,
                          MaskingPlan plan, String table, boolean kube, boolean secrets) {
        List<HeldPreview.Field> shown = new ArrayList<>();
        Set<String> hidden = new LinkedHashSet<>();
        for (Header field : head.headers().fields()) {
            String name = field.name().toLowerCase(Locale.ROOT);
            if (dropped.contains(name)) {
                continue;
            }
            if (SHOWN.contains(name)) {
                shown.add(new HeldPreview.Field(field.name(), field.value()));
            } else {
                hidden.add(field.name());
            }
        }
        String type = head.headers().first("Content-Type").orElse("").strip();
        if (body.isEmpty()) {
            return switch (framing) {
                case BodyFraming.None none -> new HeldPreview(type, shown, List.copyOf(hidden), "", 0, false,
                        RetryKey.sha256(new byte[0]), "");
                case BodyFraming.Fixed fixed -> new HeldPreview(type, shown, List.copyOf(hidden), "", fixed.length(),
                        false, "", "the body (" + fixed.length() + " bytes) is sent after the decision and is not "
                        + "shown: Sluice reads bodies of up to " + Forwarder.BUFFERED_BODY + " bytes (without "
                        + "Expect: 100-continue) before judging");
                default -> new HeldPreview(type, shown, List.copyOf(hidden), "", -1, false, "",
                        "a chunked body is sent after the decision and is not shown");
            };
        }
        byte[] bytes = body.get();
        Shown text = text(head, type, bytes, plan, table, kube, secrets);
        return new HeldPreview(type, shown, List.copyOf(hidden), text.body(), bytes.length, text.cut(),
                RetryKey.sha256(bytes), text.note());
    }

    private record Shown(String body, boolean cut, String note) {
        static Shown not(String why) {
            return new Shown("", false, why);
        }
    }

    private static Shown text(RequestHead head, String type, byte[] bytes, MaskingPlan plan, String table,
                              boolean kube, boolean secrets) {
        if (bytes.length == 0) {
            return new Shown("", false, "");
        }
        String encoding = head.headers().first("Content-Encoding").orElse("identity").strip();
        if (!encoding.equalsIgnoreCase("identity")) {
            return Shown.not("an encoded body (" + encoding + ", " + bytes.length + " bytes) is not shown");
        }
        String media = type.toLowerCase(Locale.ROOT);
        int semicolon = media.indexOf(';');
        media = (semicolon < 0 ? media : media.substring(0, semicolon)).strip();
        boolean json = media.equals("application/json") || media.endsWith("+json")
                || kube && media.equals("application/json-patch+json") || kube && media.isEmpty() && looksJson(bytes);
        if (json) {
            JsonMasker masker = new JsonMasker(plan, table, secrets);
            ByteArrayOutputStream masked = new ByteArrayOutputStream();
            try {
                masker.mask(new ByteArrayInputStream(bytes), masked);
            } catch (IOException | RuntimeException e) {
                // Fail closed: what Sluice cannot parse, it cannot mask.
                return Shown.not("the body is not valid JSON (" + bytes.length + " bytes): not shown");
            }
            return cut(masked.toString(StandardCharsets.UTF_8));
        }
        if (kube) {
            return Shown.not("a " + (media.isEmpty() ? "untyped" : media) + " body (" + bytes.length
                    + " bytes) is not shown: Sluice masks Kubernetes bodies only as JSON");
        }
        Optional<String> decoded = utf8(bytes);
        if (decoded.isEmpty()) {
            return Shown.not("a binary body (" + bytes.length + " bytes) is not shown");
        }
        MaskTally tally = new MaskTally();
        if (media.equals("application/x-www-form-urlencoded")) {
            return form(decoded.get(), plan, table, tally);
        }
        if (plan.hasColumnRules()) {
            return Shown.not("a " + (media.isEmpty() ? "untyped" : media) + " body (" + bytes.length + " bytes) is "
                    + "not shown: masking rules name fields of this connection, and Sluice finds fields only in "
                    + "JSON and form bodies");
        }
        return cut(plan.maskText(decoded.get(), tally));
    }

    /** Form fields decoded, one a line ({@code name=value}), each value masked by its field's rule or the detectors. */
    private static Shown form(String text, MaskingPlan plan, String table, MaskTally tally) {
        StringBuilder result = new StringBuilder();
        for (String pair : text.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name;
            String value;
            try {
                name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Shown.not("a malformed form body is not shown");
            }
            Optional<MaskingPlan.ColumnMask> rule = plan.hasColumnRules() ? plan.column("", table, name)
                    : Optional.empty();
            String masked = rule.isPresent() ? plan.maskColumn(rule.get(), value, table + "." + name, tally)
                    : plan.maskText(value, tally);
            result.append(plan.maskText(name, tally)).append('=').append(masked).append('\n');
            if (result.length() > MAX_TEXT) {
                break;
            }
        }
        return cut(result.toString());
    }

    private static Shown cut(String text) {
        return text.length() <= MAX_TEXT ? new Shown(text, false, "") : new Shown(text.substring(0, MAX_TEXT), true,
                "");
    }

    private static boolean looksJson(byte[] bytes) {
        for (byte b : bytes) {
            if (b == '{' || b == '[') {
                return true;
            }
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return false;
    }

    private static Optional<String> utf8(byte[] bytes) {
        try {
            String result = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            for (int i = 0; i < result.length(); i++) {
                char c = result.charAt(i);
                if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
                    return Optional.empty(); // control characters: binary
                }
            }
            return Optional.of(result);
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }
}
