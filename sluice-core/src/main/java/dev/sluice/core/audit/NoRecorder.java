package dev.sluice.core.audit;

import java.time.Duration;
import java.util.List;

/** {@link SessionRecorder#none()}: recording disabled. */
enum NoRecorder implements SessionRecorder {
    INSTANCE;

    @Override
    public void onStatement(long statementId, String text, List<String> parameters, String verdict, String reason) {
    }

    @Override
    public void onResult(long statementId, String tag, long rows, String sqlState, String error, Duration duration) {
    }
}
