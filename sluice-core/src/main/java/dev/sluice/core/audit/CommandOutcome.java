package dev.sluice.core.audit;

import java.util.Objects;

/**
 * What became of a forwarded command, in its protocol's terms. The audit event {@code statement.result} keeps the
 * same four columns for every protocol ({@link #tag}, {@link #rows}, {@link #state}, {@link #error}), so
 * {@code sluice audit --json} reads the same for PostgreSQL as it always did.
 */
public sealed interface CommandOutcome {

    /** The command tag ({@code DELETE 3}), {@code exit 0}, {@code HTTP 200}, {@code TOOL ok}. */
    String tag();

    /** Rows affected or returned; -1 when the protocol has no such count or it failed. */
    long rows();

    /** A machine-readable failure code: the SQLSTATE, the signal name, the HTTP status of a failure; empty on success. */
    String state();

    /** The failure in words (masked by the protocol before it gets here); empty on success. */
    String error();

    /** A SQL statement's outcome: from CommandComplete, or ErrorResponse's SQLSTATE and message. */
    record Sql(String tag, long rows, String sqlState, String error) implements CommandOutcome {
        public Sql {
            Objects.requireNonNull(tag, "tag");
            sqlState = sqlState == null ? "" : sqlState;
            error = error == null ? "" : error;
        }

        @Override
        public String state() {
            return sqlState;
        }
    }

    /** A remote command's exit: its status, or the signal that ended it. */
    record Exit(int status, String signal, String error) implements CommandOutcome {
        public Exit {
            Objects.requireNonNull(signal, "signal");
            Objects.requireNonNull(error, "error");
        }

        @Override
        public String tag() {
            return signal.isEmpty() ? "exit " + status : "signal " + signal;
        }

        @Override
        public long rows() {
            return -1;
        }

        @Override
        public String state() {
            return signal;
        }
    }

    /** An HTTP exchange: the status and the response body's size. */
    record Http(int status, long bytes, String error) implements CommandOutcome {
        public Http {
            Objects.requireNonNull(error, "error");
        }

        @Override
        public String tag() {
            return "HTTP " + status;
        }

        @Override
        public long rows() {
            return -1;
        }

        @Override
        public String state() {
            return status >= 400 ? String.valueOf(status) : "";
        }
    }

    /** An MCP tool call: whether the tool reported an error, and a short masked summary of its result. */
    record Tool(boolean failed, String summary) implements CommandOutcome {
        public Tool {
            Objects.requireNonNull(summary, "summary");
        }

        @Override
        public String tag() {
            return failed ? "TOOL error" : "TOOL ok";
        }

        @Override
        public long rows() {
            return -1;
        }

        @Override
        public String state() {
            return failed ? "error" : "";
        }

        @Override
        public String error() {
            return failed ? summary : "";
        }
    }
}
