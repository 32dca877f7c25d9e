package dev.sluice.postgres.sql;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The settings that decide how PostgreSQL reads statement text, which Sluice pins for every upstream session so that
 * its classifier (libpg_query, which always lexes with {@code standard_conforming_strings = on}) reads every statement
 * exactly as the server does.
 * <ul>
 *   <li>{@code standard_conforming_strings}: off makes {@code '\'} an escape in ordinary literals, so
 *       {@code 'a\' || '; DROP TABLE items; --'} is one literal to the classifier and two statements to the server.
 *       Pinned on.</li>
 *   <li>{@code backslash_quote}: decides whether {@code \'} may end-escape a quote in escape strings. Pinned to
 *       {@code safe_encoding} (the default; equal to {@code on} for the encodings Sluice accepts).</li>
 *   <li>{@code client_encoding}: decides which bytes form one character. Only {@link ClientEncodings#accepted}
 *       (ASCII-safe) encodings; Sluice reads text in the session's encoding, tracked from the server.</li>
 * </ul>
 * {@code escape_string_warning} was checked and is not pinned: it only decides whether a warning is emitted, never how
 * text is read. Pins go into Sluice's own StartupMessage: startup parameters outrank {@code ALTER ROLE|DATABASE ..
 * SET} and the configuration file, and {@code RESET}/{@code DISCARD ALL} return to them.
 */
public final class PinnedSettings {

    public static final String STANDARD_CONFORMING_STRINGS = "standard_conforming_strings";
    static final String BACKSLASH_QUOTE = "backslash_quote";
    public static final String CLIENT_ENCODING = "client_encoding";
    /** What a client gets when its startup packet names no client_encoding. */
    public static final String DEFAULT_CLIENT_ENCODING = "UTF8";

    private static final Set<String> NAMES = Set.of(STANDARD_CONFORMING_STRINGS, BACKSLASH_QUOTE, CLIENT_ENCODING);
    /** PostgreSQL's parse_bool spellings of true that Sluice accepts for standard_conforming_strings. */
    private static final Set<String> TRUE = Set.of("on", "true", "yes", "1");

    private PinnedSettings() {
    }

    /** Whether {@code name} (as written, quoted or not) is a pinned setting; setting names are case-insensitive. */
    public static boolean pinned(String name) {
        return NAMES.contains(name.toLowerCase(Locale.ROOT));
    }

    /** Whether setting pinned {@code name} to the constant {@code value} keeps the session as Sluice reads it. */
    static boolean allows(String name, String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        return switch (name.toLowerCase(Locale.ROOT)) {
            case STANDARD_CONFORMING_STRINGS -> TRUE.contains(v);
            case BACKSLASH_QUOTE -> v.equals("safe_encoding");
            case CLIENT_ENCODING -> ClientEncodings.accepted(value);
            default -> true;
        };
    }

    /** The refusal for an attempt to set pinned {@code name} (to {@code value} when it is a readable constant). */
    static String refusal(String name, Optional<String> value) {
        String setting = name.toLowerCase(Locale.ROOT);
        if (setting.equals(CLIENT_ENCODING) && value.isPresent()) {
            return ClientEncodings.refusal(value.get()).orElse("client_encoding is pinned by Sluice");
        }
        String pin = switch (setting) {
            case STANDARD_CONFORMING_STRINGS -> "on";
            case BACKSLASH_QUOTE -> "safe_encoding";
            default -> "an explicit ASCII-safe encoding such as UTF8";
        };
        return setting + " is pinned by Sluice to " + pin + ": it decides how the server reads statement text";
    }

    /**
     * The pinned startup parameters for the upstream session, given the client's own: the client's
     * {@code client_encoding} when {@link ClientEncodings#accepted}, else {@link #DEFAULT_CLIENT_ENCODING}.
     */
    public static Map<String, String> startup(Map<String, String> client) {
        Map<String, String> result = new LinkedHashMap<>();
        result.put(STANDARD_CONFORMING_STRINGS, "on");
        result.put(BACKSLASH_QUOTE, "safe_encoding");
        String encoding = client.getOrDefault(CLIENT_ENCODING, DEFAULT_CLIENT_ENCODING);
        result.put(CLIENT_ENCODING, ClientEncodings.accepted(encoding) ? encoding : DEFAULT_CLIENT_ENCODING);
        return result;
    }

    /**
     * Why a client's startup parameters are refused: a client-only or unknown {@code client_encoding}, or a
     * pinned setting asked for another value. Empty when the session may start.
     */
    public static Optional<String> startupRefusal(Map<String, String> client) {
        for (Map.Entry<String, String> parameter : client.entrySet()) {
            String name = parameter.getKey();
            if (pinned(name) && !allows(name, parameter.getValue())) {
                return Optional.of(name.equalsIgnoreCase(CLIENT_ENCODING)
                        ? ClientEncodings.refusal(parameter.getValue()).orElseThrow()
                        : refusal(name, Optional.of(parameter.getValue())));
            }
        }
        return Optional.empty();
    }

    /**
     * Why the upstream's reported startup settings are not the pinned ones (a server that ignored Sluice's
     * StartupMessage); empty when they are.
     */
    public static Optional<String> upstreamRefusal(Map<String, String> reported) {
        String scs = reported.getOrDefault(STANDARD_CONFORMING_STRINGS, "");
        if (!scs.equals("on")) {
            return Optional.of("the upstream server reports standard_conforming_strings = '" + scs
                    + "' although Sluice asked for on; refused");
        }
        String encoding = reported.getOrDefault(CLIENT_ENCODING, "");
        if (!ClientEncodings.accepted(encoding)) {
            return Optional.of("the upstream server reports client_encoding '" + encoding
                    + "', which Sluice cannot read exactly; refused");
        }
        return Optional.empty();
    }
}
