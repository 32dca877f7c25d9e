package dev.sluice.postgres;

import java.util.Locale;

import dev.sluice.postgres.wire.BackendMessage.ErrorResponse;

/**
 * Every error Sluice itself phrases for a PostgreSQL client, with its SQLSTATE, in one place.
 * See https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
final class PostgresErrors {
    static final String INVALID_PASSWORD = "28P01";
    static final String INVALID_AUTHORIZATION = "28000";
    static final String PROTOCOL_VIOLATION = "08P01";
    static final String CONNECTION_FAILURE = "08006";
    static final String CANNOT_CONNECT = "08001";
    static final String INSUFFICIENT_PRIVILEGE = "42501";
    static final String SYSTEM_ERROR = "58000";
    static final String FEATURE_NOT_SUPPORTED = "0A000";
    static final String TOO_MANY_CONNECTIONS = "53300";
    static final String QUERY_CANCELED = "57014";
    static final String ADMIN_SHUTDOWN = "57P01";
    static final String CANNOT_CONNECT_NOW = "57P03";

    private PostgresErrors() {
    }

    static ErrorResponse fatal(String sqlState, String message) {
        return ErrorResponse.of("FATAL", sqlState, message);
    }

    static ErrorResponse error(String sqlState, String message) {
        return ErrorResponse.of("ERROR", sqlState, message);
    }

    /** Whether {@code error} is the one Sluice's {@link #raiseStatement} made the server raise with {@code message}. */
    static boolean isRaised(ErrorResponse error, String message) {
        return (INSUFFICIENT_PRIVILEGE.equals(error.sqlState()) || QUERY_CANCELED.equals(error.sqlState()))
                && error.message().equals(message);
    }

    /**
     * A statement that makes the upstream server itself raise the refusal, so that the server's transaction state
     * becomes exactly what the client is told: inside a transaction block the transaction is failed, and a later
     * COMMIT cannot commit what came before. Needs PL/pgSQL, which every PostgreSQL installs by default.
     */
    static String raiseStatement(String message) {
        return raiseStatement(INSUFFICIENT_PRIVILEGE, message);
    }

    /** As {@link #raiseStatement(String)} with another SQLSTATE (57014 for a held statement the client cancelled). */
    static String raiseStatement(String sqlState, String message) {
        return "DO $sluice$BEGIN RAISE EXCEPTION USING ERRCODE = '" + sqlState + "', MESSAGE = '"
                + literal(message) + "'; END$sluice$";
    }

    /** Makes text safe inside a single-quoted literal whatever standard_conforming_strings says. */
    private static String literal(String text) {
        String result = text.replace("\\", "/").replace("'", "''").replace("$sluice$", "$ sluice $");
        return result.toLowerCase(Locale.ROOT).contains("$sluice$") ? "refused by Sluice policy" : result;
    }
}
