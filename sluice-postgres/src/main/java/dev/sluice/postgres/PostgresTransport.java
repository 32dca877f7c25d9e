package dev.sluice.postgres;

import java.io.IOException;
import java.net.SocketTimeoutException;

import dev.sluice.core.access.AccessTransport;
import dev.sluice.postgres.wire.BackendMessage;
import dev.sluice.postgres.wire.Frame;
import dev.sluice.postgres.wire.FrameReader;
import dev.sluice.postgres.wire.FrameTooLargeException;
import dev.sluice.postgres.wire.FrameWriter;
import dev.sluice.postgres.wire.FrontendMessage;
import dev.sluice.postgres.wire.MalformedMessageException;

/**
 * Words the core access flow in PostgreSQL: the token is asked for as a cleartext password (the listener only
 * reaches this over TLS unless plaintext on loopback was explicitly allowed), refusals are FATAL ErrorResponses.
 * Used from the session's single startup thread.
 */
final class PostgresTransport implements AccessTransport {
    private final FrameReader in;
    private final FrameWriter out;
    private final Runnable passwordReceived;

    PostgresTransport(FrameReader in, FrameWriter out) {
        this(in, out, () -> { });
    }

    /** {@code passwordReceived} runs once the password message is in, before the token is judged. */
    PostgresTransport(FrameReader in, FrameWriter out, Runnable passwordReceived) {
        this.in = in;
        this.out = out;
        this.passwordReceived = passwordReceived;
    }

    @Override
    public String protocol() {
        return "postgres";
    }

    @Override
    public String requestToken() throws IOException {
        out.write(new BackendMessage.AuthenticationCleartextPassword());
        out.flush();
        Frame frame;
        try {
            frame = in.read();
        } catch (SocketTimeoutException e) {
            throw new MalformedMessageException("no password message within the startup timeout");
        } catch (FrameTooLargeException e) {
            // Fail closed before allocating: the reader checked the length field against the small pre-auth bound.
            throw new FrameTooLargeException("the password message is too large for a token: " + e.getMessage());
        }
        passwordReceived.run();
        if (!(FrontendMessage.decode(frame) instanceof FrontendMessage.PasswordMessage password)) {
            throw new MalformedMessageException("expected a password message (type 'p'), got '" + (char) frame.type()
                    + "'");
        }
        return FrontendMessage.passwordText(password);
    }

    @Override
    public void refuseToken(String message) throws IOException {
        out.write(PostgresErrors.fatal(PostgresErrors.INVALID_PASSWORD, message));
        out.flush();
    }

    @Override
    public void refuseAccess(String message) throws IOException {
        out.write(PostgresErrors.fatal(PostgresErrors.INVALID_AUTHORIZATION, message));
        out.flush();
    }
}
