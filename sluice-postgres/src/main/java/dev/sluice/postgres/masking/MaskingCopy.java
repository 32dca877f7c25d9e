package dev.sluice.postgres.masking;

import java.io.IOException;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.sluice.core.masking.MaskTally;
import dev.sluice.core.masking.MaskingPlan;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.Frame;

/**
 * Masking of {@code COPY ... TO STDOUT} data. CopyOutResponse says only how many columns there are and whether the
 * format is text or binary; the column names come from the COPY statement (a simple Query): a table with an
 * optional column list, in the default text format, gets column rules and detectors field by field (the table's
 * columns are looked up when no list is given, and must match the count). Any other COPY ({@code COPY (query)},
 * CSV, other options, COPY through the extended protocol) gets the detectors over the whole line, and is refused
 * when the session's rules include column rules: Sluice cannot tell which field is which column. Binary COPY is
 * refused whenever anything is to be masked. Confined to the upstream-to-client thread.
 */
public final class MaskingCopy {
    private static final String IDENT = "(?:\"[^\"]{1,128}\"|[A-Za-z_][A-Za-z0-9_$]{0,127})";
    private static final Pattern COPY = Pattern.compile("^\\s*copy\\s+(" + IDENT + "(?:\\s*\\.\\s*" + IDENT + ")?)"
            + "\\s*(?:\\(([^()]*)\\))?\\s+to\\s+stdout\\s*(.*?)[\\s;]*$", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern PLAIN_OPTIONS = Pattern.compile("(?:with\\s*)?(?:\\(\\s*format\\s+text\\s*\\))?",
            Pattern.CASE_INSENSITIVE);
    private static final int MAX_SQL = 10_000;

    private final ColumnResolver resolver;
    private MaskingShape shape;
    private boolean byField;

    public MaskingCopy(ColumnResolver resolver) {
        this.resolver = resolver;
    }

    /** A CopyOutResponse: decides how the rows that follow are masked, or refuses them. */
    public void start(BackendMessage.CopyOutResponse response, Optional<String> sql, MaskingPlan plan) throws MaskingRefusal {
        end();
        if (plan.isEmpty()) {
            return;
        }
        if (response.format() != 0) {
            throw new MaskingRefusal("Sluice cannot mask binary COPY output; use the text format");
        }
        int count = response.columnFormats().length;
        Optional<List<ColumnResolver.Name>> columns = sql.filter(s -> s.length() <= MAX_SQL).flatMap(s -> columns(s, plan.hasColumnRules()));
        if (columns.isPresent() && columns.get().size() == count) {
            shape = MaskingShape.copy(columns.get(), count, plan);
            byField = true;
            return;
        }
        if (plan.hasColumnRules()) {
            throw new MaskingRefusal("Sluice applies column masking to COPY only for COPY table [(columns)] TO STDOUT"
                    + " in text format; use SELECT");
        }
        shape = MaskingShape.copy(List.of(), 0, plan);
        byField = false;
    }

    public Frame row(Frame frame, MaskTally tally, Charset charset) throws MaskingRefusal {
        if (shape == null) {
            return frame;
        }
        if (charset == null) {
            throw new MaskingRefusal("Sluice masks COPY output only in the UTF8, SQL_ASCII and LATIN1 encodings");
        }
        return byField ? RowMaskerCopy.maskFields(frame, shape, tally, charset)
                : RowMaskerCopy.maskLine(frame, shape, tally, charset);
    }

    public void end() {
        shape = null;
    }

    private Optional<List<ColumnResolver.Name>> columns(String sql, boolean ancestry) {
        Matcher m = COPY.matcher(sql);
        if (!m.matches() || !PLAIN_OPTIONS.matcher(m.group(3)).matches()) {
            return Optional.empty();
        }
        String[] parts = m.group(1).split("\\s*\\.\\s*(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)");
        String schema = parts.length == 2 ? identifier(parts[0]) : "";
        String table = identifier(parts[parts.length - 1]);
        if (m.group(2) == null) {
            try {
                return Optional.of(resolver.tableColumns(m.group(1)));
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        List<ColumnResolver.Name> ancestors = List.of();
        try {
            // a partition or inheritance child: its ancestors' rules apply too
            List<ColumnResolver.Name> live = ancestry ? resolver.tableColumns(m.group(1)) : List.of();
            ancestors = live.isEmpty() ? List.of() : live.getFirst().ancestors();
        } catch (IOException e) {
            return Optional.empty();
        }
        List<ColumnResolver.Name> result = new ArrayList<>();
        for (String column : m.group(2).split(",")) {
            String name = identifier(column.strip());
            result.add(new ColumnResolver.Name(schema, table, name, ancestors.stream()
                    .map(a -> new ColumnResolver.Name(a.schema(), a.table(), name)).toList()));
        }
        return Optional.of(result);
    }

    private static String identifier(String text) {
        String t = text.strip();
        return t.startsWith("\"") && t.endsWith("\"") && t.length() >= 2 ? t.substring(1, t.length() - 1)
                : t.toLowerCase(Locale.ROOT);
    }
}
