package dev.sluice.core.audit;

import java.time.Duration;
import java.util.List;

/** {@link SessionRecorder#none()}: recording disabled. */
enum NoRecorder implements SessionRecorder {
    INSTANCE;

    @Override
    public void onCommand(long commandId, String text, List<String> parameters, String verdict, String reason) {
    }

    @Override
    public void onResult(long commandId, CommandOutcome outcome, Duration duration) {
    }
}
