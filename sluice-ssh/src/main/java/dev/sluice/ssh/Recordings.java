package dev.sluice.ssh;

import java.util.function.UnaryOperator;

import dev.sluice.core.session.GatewaySession;
import dev.sluice.core.session.RecordingContext;

/** Makes each SSH session's {@link Asciicast} recorder, masked with the connection's masking rules. */
final class Recordings {
    private final MaskingSource masking;

    /** The masking to apply to recorded text of a session's connection. */
    @FunctionalInterface
    interface MaskingSource {
        UnaryOperator<String> forConnection(String connection);
    }

    Recordings(MaskingSource masking) {
        this.masking = masking;
    }

    Asciicast create(RecordingContext context) {
        return new Asciicast(context, masking.forConnection(context.context().connection()));
    }

    /** The session's recorder (the one {@link #create} made for it). */
    Asciicast of(GatewaySession session) {
        return (Asciicast) session.recorder();
    }
}
