package dev.sluice.postgres;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.sluice.postgres.sql.PinnedSettings;

/**
 * The settings a client's StartupMessage asks for, read as PostgreSQL reads them, so that Sluice can pass them on
 * (a session through Sluice then prints dates, timestamps, intervals and floats as a direct one does) after judging
 * each one as the {@code SET name = 'value'} it amounts to.
 * <p>
 * What PostgreSQL does with a startup packet ({@code process_startup_options}): {@code user} and {@code database}
 * pick the role and database; {@code options} is split into command-line switches ({@code pg_split_opts}: words
 * separated by white space, a backslash takes the next character literally) whose {@code -c name=value} and
 * {@code --name=value} set settings; {@code replication} asks for a replication connection; every other key is a
 * setting, applied after those of {@code options}. Sluice reads it the same way:
 * <ul>
 *   <li>{@code user}, {@code database} and {@code _pq_.*} (protocol options, negotiated away) are not settings;</li>
 *   <li>the settings of {@link PinnedSettings} keep their own handling: as keys they are Sluice's pins (refused by
 *       {@link PinnedSettings#startupRefusal} when asked for another value); inside {@code options} they are
 *       dropped, the pins win;</li>
 *   <li>refused whatever the policy says (fail closed): {@code replication} (a replication connection runs no SQL
 *       the policy could judge), {@code role} and {@code session_authorization} (they change who the session acts
 *       as), {@code session_preload_libraries}, {@code local_preload_libraries} and {@code dynamic_library_path}
 *       (they load code as the session starts), a switch in {@code options} other than {@code -c}/{@code --}
 *       (server-level switches), and a {@code -c} without a value;</li>
 *   <li>every other one is a {@link Setting}: judged by the caller as {@link Setting#setText} would be, and passed to
 *       the server as a key of Sluice's StartupMessage (so a key given both ways keeps the key's value, as in
 *       PostgreSQL).</li>
 * </ul>
 */
final class StartupSettings {

    /** Keys of a StartupMessage that are not settings. */
    private static final Set<String> NOT_SETTINGS = Set.of("user", "database", "options");
    /** Settings a startup packet may never carry through Sluice, whatever the policy says. */
    private static final Set<String> REFUSED = Set.of("role", "session_authorization");
    /**
     * Settings that load code when the session starts, before Sluice judges any statement (a later SET of them does
     * nothing, so judging them as one would understate them): refused whatever the policy says.
     */
    private static final Set<String> LOADS_CODE = Set.of("session_preload_libraries", "local_preload_libraries",
            "dynamic_library_path");
    /** PostgreSQL's parse_bool spellings of false: {@code replication=false} asks for an ordinary session. */
    private static final Set<String> FALSE = Set.of("off", "false", "no", "0");

    /** One setting the client asked for, with its name as written (setting names are case-insensitive). */
    record Setting(String name, String value) {
        /** The statement this setting is judged and audited as: {@code SET "name" = 'value'}. */
        String setText() {
            return "SET \"" + name.replace("\"", "\"\"") + "\" = '" + value.replace("'", "''") + "'";
        }
    }

    /** The settings to judge and pass on, in the order the server applies them; or why the session is refused. */
    record Parsed(List<Setting> settings, Optional<String> refusal) {
        static Parsed refused(String reason) {
            return new Parsed(List.of(), Optional.of(reason));
        }
    }

    /**
     * The settings drivers send on their own (psql's application_name, pgjdbc's DateStyle, TimeZone,
     * extra_float_digits), which Sluice passed unjudged before it judged startup settings: when nothing but the
     * connection's {@code default: deny} refuses one of them (no rule names it), it still passes, so a
     * {@code default: deny} connection keeps serving psql and pgjdbc. A rule that denies one is obeyed.
     */
    private static final Set<String> DRIVER_SETTINGS = Set.of("application_name", "datestyle", "timezone",
            "extra_float_digits", "intervalstyle", "search_path", "lc_monetary", "lc_numeric", "lc_time",
            "bytea_output");

    private StartupSettings() {
    }

    /** Whether {@code name} is one of the settings drivers send on their own (see {@link #DRIVER_SETTINGS}). */
    static boolean driverSetting(String name) {
        return DRIVER_SETTINGS.contains(name.toLowerCase(Locale.ROOT));
    }

    /** Reads the client's startup parameters (see the class comment). */
    static Parsed parse(Map<String, String> parameters) {
        // keyed by the lower-case name: a later value replaces an earlier one, as the server applies them
        Map<String, Setting> result = new LinkedHashMap<>();
        String options = parameters.getOrDefault("options", "");
        if (!options.isBlank()) {
            Optional<String> refusal = readOptions(options, result);
            if (refusal.isPresent()) {
                return Parsed.refused(refusal.get());
            }
        }
        for (Map.Entry<String, String> parameter : parameters.entrySet()) {
            String name = parameter.getKey();
            String lower = name.toLowerCase(Locale.ROOT);
            if (NOT_SETTINGS.contains(name) || name.startsWith("_pq_.") || PinnedSettings.pinned(name)) {
                continue;
            }
            if (name.equals("replication")) {
                if (FALSE.contains(parameter.getValue().strip().toLowerCase(Locale.ROOT))) {
                    continue;
                }
                return Parsed.refused("replication connections run no SQL Sluice's policy could judge");
            }
            Optional<String> refusal = refused(name);
            if (refusal.isPresent()) {
                return Parsed.refused(refusal.get());
            }
            result.remove(lower);
            result.put(lower, new Setting(name, parameter.getValue()));
        }
        return new Parsed(List.copyOf(result.values()), Optional.empty());
    }

    /** The startup parameters to send upstream for {@code settings} (pins and user/database are added by the caller). */
    static Map<String, String> upstream(List<Setting> settings) {
        Map<String, String> result = new LinkedHashMap<>();
        settings.forEach(s -> result.put(s.name(), s.value()));
        return result;
    }

    private static Optional<String> refused(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (REFUSED.contains(lower)) {
            return Optional.of("the startup parameter " + lower + " changes who the session acts as");
        }
        if (LOADS_CODE.contains(lower)) {
            return Optional.of("the startup parameter " + lower + " loads code as the session starts");
        }
        if (name.isEmpty()) {
            return Optional.of("a startup parameter without a name is refused by Sluice");
        }
        return Optional.empty();
    }

    /** Reads {@code options} as PostgreSQL does (pg_split_opts, then process_postgres_switches) into {@code into}. */
    private static Optional<String> readOptions(String options, Map<String, Setting> into) {
        List<String> words = split(options);
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            String assignment;
            if (word.equals("-c")) {
                if (i + 1 >= words.size()) {
                    return Optional.of("the startup options end with -c and no setting");
                }
                assignment = words.get(++i);
            } else if (word.startsWith("-c")) {
                assignment = word.substring(2);
            } else if (word.startsWith("--") && word.length() > 2) {
                assignment = word.substring(2);
            } else {
                // fail closed: server switches (-B, -d, -O, -P, ...) are not settings a client may pass through Sluice
                return Optional.of("the startup option " + bounded(word) + " is not passed on: only -c name=value and "
                        + "--name=value are");
            }
            int equals = assignment.indexOf('=');
            if (equals <= 0) {
                return Optional.of("the startup option -c " + bounded(assignment) + " has no value");
            }
            // ParseLongOption: dashes in the name are underscores
            String name = assignment.substring(0, equals).replace('-', '_');
            String value = assignment.substring(equals + 1);
            if (PinnedSettings.pinned(name)) {
                continue; // the pins win, as they always did for options
            }
            if (name.equalsIgnoreCase("replication")) {
                return Optional.of("replication connections run no SQL Sluice's policy could judge");
            }
            Optional<String> refusal = refused(name);
            if (refusal.isPresent()) {
                return refusal;
            }
            String lower = name.toLowerCase(Locale.ROOT);
            into.remove(lower);
            into.put(lower, new Setting(name, value));
        }
        return Optional.empty();
    }

    /** PostgreSQL's pg_split_opts: white space separates words, a backslash takes the next character as is. */
    static List<String> split(String options) {
        List<String> words = new ArrayList<>();
        int i = 0;
        int n = options.length();
        while (i < n) {
            while (i < n && isSpace(options.charAt(i))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            StringBuilder word = new StringBuilder();
            boolean escaped = false;
            while (i < n) {
                char c = options.charAt(i);
                if (isSpace(c) && !escaped) {
                    break;
                }
                if (!escaped && c == '\\') {
                    escaped = true;
                } else {
                    escaped = false;
                    word.append(c);
                }
                i++;
            }
            words.add(word.toString());
        }
        return words;
    }

    /** C isspace in the C locale. */
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B;
    }

    private static String bounded(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "…";
    }
}
