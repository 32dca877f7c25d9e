package dev.sluice.console;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.sluice.core.approval.ApprovalRequest;
import dev.sluice.core.approval.ApprovalState;

/**
 * One impact preview per pending request (the inbox stream re-reads requests several times a second; the count
 * runs once). A decided request keeps the preview it had while pending, if one was computed; none is computed after. Bounded. Thread-safe.
 */
final class ImpactCache {
    static final int MAX_ENTRIES = 2_000;

    private final ImpactPreview preview;
    private final ConcurrentHashMap<String, Optional<ImpactPreview.Impact>> cache = new ConcurrentHashMap<>();

    ImpactCache(ImpactPreview preview) {
        this.preview = preview;
    }

    Optional<ImpactPreview.Impact> preview(ApprovalRequest request) {
        if (request.state() != ApprovalState.PENDING) {
            return Optional.ofNullable(cache.get(request.id())).flatMap(known -> known);
        }
        if (cache.size() >= MAX_ENTRIES) {
            cache.clear();
        }
        return cache.computeIfAbsent(request.id(), id -> {
            try {
                return preview.preview(request);
            } catch (RuntimeException e) {
                return Optional.empty(); // no preview rather than a wrong one
            }
        });
    }
}
