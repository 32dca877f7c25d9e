package dev.sluice.console;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import dev.sluice.core.approval.ApprovalRequest;

/**
 * What a held command would touch, where that is safe to compute without running it: for SQL, the rows a
 * {@code DELETE}/{@code UPDATE} would affect, from a read-only count of its {@code WHERE} clause. The gateway
 * implements it per protocol; the console caches one answer per request.
 */
@FunctionalInterface
public interface ImpactPreview {
    /** The impact of {@code request}, or empty when it cannot be computed safely (never a guess). */
    Optional<Impact> preview(ApprovalRequest request);

    static ImpactPreview none() {
        return request -> Optional.empty();
    }

    /**
     * @param summary in words, e.g. "3 rows of public.items would be deleted"
     * @param rows    the count, -1 when the preview failed (then {@code summary} says why)
     * @param query   the read-only query that counted them
     */
    record Impact(String summary, long rows, String query) {
        public Impact {
            Objects.requireNonNull(summary, "summary");
            Objects.requireNonNull(query, "query");
        }

        Map<String, Object> toMap() {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("summary", summary);
            result.put("rows", rows);
            result.put("query", query);
            return result;
        }
    }
}
