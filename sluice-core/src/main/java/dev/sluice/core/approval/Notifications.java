package dev.sluice.core.approval;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers announcements asynchronously, one virtual thread per request and target, so that a slow or dead
 * receiver never delays the held statement nor loses the request (which is in the store before any delivery
 * starts). A failed attempt is retried {@link NotifyTarget#retries()} times with exponential backoff from
 * {@link #FIRST_BACKOFF}; the outcome is reported to {@code outcome} (which audits it).
 */
final class Notifications {
    static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(Notifications.class);

    /** Receives each delivery's outcome. */
    @FunctionalInterface
    interface Outcome {
        void report(ApprovalRequest request, String channel, boolean delivered, int attempts, String error);
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Function<NotifyTarget, ApprovalNotifier> factory;

    Notifications() {
        this.factory = target -> new HttpNotifier(target, http);
    }

    void announce(List<NotifyTarget> targets, ApprovalRequest request, ApprovalLinks links, Outcome outcome) {
        for (NotifyTarget target : targets) {
            ApprovalNotifier notifier = factory.apply(target);
            Thread.ofVirtual().name("sluice-notify-" + request.id()).start(() -> deliver(notifier, target.retries(),
                    request, links, outcome));
        }
    }

    private static void deliver(ApprovalNotifier notifier, int retries, ApprovalRequest request, ApprovalLinks links,
                                Outcome outcome) {
        Duration backoff = FIRST_BACKOFF;
        String error = "";
        for (int attempt = 1; attempt <= retries + 1; attempt++) {
            try {
                notifier.send(request, links);
                outcome.report(request, notifier.channel(), true, attempt, "");
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                outcome.report(request, notifier.channel(), false, attempt, "interrupted");
                return;
            } catch (Exception e) {
                error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                LOG.warn("approval {}: notification to {} failed (attempt {}): {}", request.id(), notifier.channel(),
                        attempt, error);
            }
            if (attempt <= retries && !sleep(backoff)) {
                break;
            }
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
        outcome.report(request, notifier.channel(), false, retries + 1, error);
    }

    private static boolean sleep(Duration duration) {
        try {
            Thread.sleep(duration);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
