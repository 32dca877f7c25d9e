package dev.sluice.server;

import java.util.List;
import java.util.Optional;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/** Reading what a {@link ListAppender} caught while the gateway under test is still logging on other threads. */
final class CapturedLogs {
    private CapturedLogs() {
    }

    /**
     * A copy of the events caught so far. Logback appends under the appender's own monitor
     * ({@code AppenderBase.doAppend}), so the copy is taken under it: iterating the live list threw
     * {@code ConcurrentModificationException} once in a full run.
     */
    static List<ILoggingEvent> events(ListAppender<ILoggingEvent> appender) {
        synchronized (appender) {
            return List.copyOf(appender.list);
        }
    }

    /** Each event's message and its throwable's message, one per line. */
    static String text(List<ILoggingEvent> events) {
        return String.join("\n", events.stream().map(e -> e.getFormattedMessage()
                + Optional.ofNullable(e.getThrowableProxy()).map(t -> " " + t.getMessage()).orElse("")).toList());
    }
}
