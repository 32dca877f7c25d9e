package dev.sluice.core.exec;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

import dev.sluice.core.policy.Condition;
import dev.sluice.core.policy.ExecCommand;

/**
 * Reads a remote command line as the target's POSIX shell will ({@code $SHELL -c LINE}: SSH exec), or an argv run
 * without a shell ({@code kubectl exec}: {@link #readArgv}), well enough to judge it
 * soundly: it splits the line into simple commands at unquoted {@code ; & | newline ( )}, removes quotes and
 * backslashes as the shell does ({@code r''m} is {@code rm}), and names every program it can see, including the ones
 * run by wrappers ({@code sudo}, {@code env}, {@code xargs}, ...) and by {@code sh -c '...'}.
 *
 * <p>Where the shell could run something Sluice cannot see, the reading is <em>opaque</em>: any expansion
 * ({@code $}, backquotes, globs, {@code ~}), redirection, variable assignment, a nested shell, an interpreter or
 * program known to run code it is given ({@code python -c}, {@code awk}, {@code find -exec}, {@code eval}, ...) or
 * given an option that runs a command ({@code sort --compress-program}: the catalogue is {@link Runners}), a
 * program named by a path outside the system directories (an uploaded script), or a line Sluice cannot tokenise
 * (unbalanced quotes, control characters). Rules then judge the most dangerous reading: an opaque command is allowed
 * only where a rule explicitly allows it. Stateless and thread-safe.
 */
public final class ShellLine {
    /** Longer lines are not read at all: judged as an opaque, unknown command. */
    public static final int MAX_LENGTH = 16 * 1024;
    private static final int MAX_DEPTH = 4;
    private static final List<String> SYSTEM_DIRS = List.of("/bin/", "/usr/bin/", "/sbin/", "/usr/sbin/",
            "/usr/local/bin/", "/usr/local/sbin/");

    private ShellLine() {
    }

    /**
     * How Sluice reads one command line.
     *
     * @param programs every program Sluice can see the line run, lower-case basenames, in order, no duplicates
     * @param argv     the words of the first simple command after quote removal (empty for an empty line)
     * @param opaque   true when the shell could run something Sluice cannot see (see the class comment)
     * @param reasons  why the reading is opaque, for the audit trail and error messages (empty when it is not)
     */
    public record Reading(List<String> programs, List<String> argv, boolean opaque, List<String> reasons) {
        public Reading {
            programs = List.copyOf(programs);
            argv = List.copyOf(argv);
            reasons = List.copyOf(reasons);
        }

        /**
         * The command a rule judges: kind {@code kind}, and also {@code OPAQUE} when the reading is opaque (an allow
         * rule must list it to allow one, as listing {@code EXEC} with argument globs allows what the globs can see,
         * not code hidden from them: fail closed).
         */
        public ExecCommand command(String protocol, String kind, String text) {
            return new ExecCommand(protocol, kind, text, programs, opaque,
                    opaque ? Set.of(kind, Condition.OPAQUE) : Set.of(kind));
        }
    }

    /** A line run by the target's shell; no program is trusted as a transfer. */
    public static Reading read(String line) {
        return read(line, argv -> false);
    }

    /**
     * A line run by the target's shell.
     *
     * @param transfer the exact argv forms of a file transfer the caller judges itself ({@code scp -t PATH},
     *                 {@code rsync --server ...}): their program is not opaque for being able to run code
     */
    public static Reading read(String line, Predicate<List<String>> transfer) {
        Builder result = new Builder(transfer);
        if (line.length() > MAX_LENGTH) {
            result.opaque("longer than " + MAX_LENGTH + " characters");
            return result.build();
        }
        read(line, 0, result);
        return result.build();
    }

    /**
     * An argv the target runs without a shell ({@code kubectl exec POD -- ARGV}): its words are taken literally;
     * a shell among them ({@code sh -c LINE}) reads its line as {@link #read} does.
     */
    public static Reading readArgv(List<String> argv) {
        Builder result = new Builder(words -> false);
        int length = argv.stream().mapToInt(String::length).sum();
        if (length > MAX_LENGTH) {
            result.opaque("longer than " + MAX_LENGTH + " characters");
            return result.build();
        }
        if (!argv.isEmpty() && argv.getFirst().chars().anyMatch(c -> c <= ' ')) {
            // Fail closed: a program name with blanks or control characters is not one Sluice can name.
            result.opaque("program name with blanks or control characters");
        }
        simple(argv, 0, result);
        return result.build();
    }

    private static void read(String line, int depth, Builder result) {
        if (depth > MAX_DEPTH) {
            result.opaque("shells nested deeper than " + MAX_DEPTH);
            return;
        }
        List<List<String>> commands = split(line, result);
        for (List<String> words : commands) {
            simple(words, depth, result);
        }
    }

    /** Splits into simple commands (each a list of words after quote removal), noting what makes it opaque. */
    private static List<List<String>> split(String line, Builder result) {
        List<List<String>> commands = new ArrayList<>();
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        int i = 0;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == 0 || (c < 0x20 && c != '\n' && c != '\t' && c != '\r')) {
                result.opaque("control character U+" + String.format("%04X", (int) c));
                i++;
                continue;
            }
            switch (c) {
                case '\'' -> {
                    int end = line.indexOf('\'', i + 1);
                    if (end < 0) {
                        result.opaque("unbalanced single quote");
                        end = line.length();
                    }
                    word.append(line, i + 1, end);
                    inWord = true;
                    i = end + 1;
                }
                case '"' -> {
                    i = doubleQuoted(line, i + 1, word, result);
                    inWord = true;
                }
                case '\\' -> {
                    if (i + 1 < line.length() && line.charAt(i + 1) != '\n') {
                        word.append(line.charAt(i + 1));
                        inWord = true;
                    }
                    i += 2;
                }
                case ' ', '\t', '\r' -> {
                    inWord = endWord(words, word, inWord);
                    i++;
                }
                case ';', '&', '|', '\n', '(', ')' -> {
                    inWord = endWord(words, word, inWord);
                    endCommand(commands, words);
                    if (c != '\n') {
                        result.opaque("shell control operator '" + c + "'");
                    } else {
                        result.opaque("newline (several commands)");
                    }
                    i++;
                }
                case '<', '>' -> {
                    result.opaque("redirection '" + c + "'");
                    inWord = endWord(words, word, inWord);
                    i++;
                }
                case '$', '`' -> {
                    result.opaque("expansion '" + c + "'");
                    word.append(c);
                    inWord = true;
                    i++;
                }
                case '*', '?', '[', '~', '{', '}', '!' -> {
                    result.opaque("pattern or expansion character '" + c + "'");
                    word.append(c);
                    inWord = true;
                    i++;
                }
                case '#' -> {
                    if (inWord) {
                        word.append(c);
                        i++;
                    } else {
                        result.opaque("comment '#'");
                        i = line.length();
                    }
                }
                default -> {
                    word.append(c);
                    inWord = true;
                    i++;
                }
            }
        }
        endWord(words, word, inWord);
        endCommand(commands, words);
        return commands;
    }

    private static int doubleQuoted(String line, int start, StringBuilder word, Builder result) {
        int i = start;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == '"') {
                return i + 1;
            }
            if (c == '\\' && i + 1 < line.length() && "$`\"\\\n".indexOf(line.charAt(i + 1)) >= 0) {
                if (line.charAt(i + 1) != '\n') {
                    word.append(line.charAt(i + 1));
                }
                i += 2;
                continue;
            }
            if (c == '$' || c == '`') {
                result.opaque("expansion '" + c + "' in double quotes");
            }
            word.append(c);
            i++;
        }
        result.opaque("unbalanced double quote");
        return i;
    }

    private static boolean endWord(List<String> words, StringBuilder word, boolean inWord) {
        if (inWord) {
            words.add(word.toString());
            word.setLength(0);
        }
        return false;
    }

    private static void endCommand(List<List<String>> commands, List<String> words) {
        if (!words.isEmpty()) {
            commands.add(List.copyOf(words));
            words.clear();
        }
    }

    /** One simple command: assignments, the program, its arguments; follows wrappers and nested shells. */
    private static void simple(List<String> words, int depth, Builder result) {
        int at = 0;
        while (at < words.size() && isAssignment(words.get(at))) {
            result.opaque("variable assignment " + words.get(at).substring(0, words.get(at).indexOf('=')) + "=");
            at++;
        }
        if (at == words.size()) {
            return;
        }
        result.argv(words.subList(at, words.size()));
        String program = program(words.get(at), result);
        result.program(program);
        List<String> argv = words.subList(at, words.size());
        if (Runners.isShell(program)) {
            result.opaque("runs a shell (" + program + ")");
            for (int i = at + 1; i < words.size() - 1; i++) {
                if (words.get(i).startsWith("-") && words.get(i).contains("c")) {
                    read(words.get(i + 1), depth + 1, result);
                    return;
                }
            }
            return;
        }
        boolean transfer = result.transfer.test(argv);
        if (Runners.isInterpreter(program) && !transfer) {
            result.opaque(program + " can run code it is given");
        }
        if (!transfer && Runners.runsByOption(program, argv.subList(1, argv.size()))) {
            result.opaque(program + " is given an option that runs a command");
        }
        if (Runners.isWrapper(program)) {
            result.opaque(program + " runs another program");
            // The wrapped program: the first word after the wrapper's options and assignments (a heuristic: the
            // reading is opaque anyway, this only lets deny rules on the inner program match too).
            for (int i = at + 1; i < words.size(); i++) {
                String word = words.get(i);
                if (!word.startsWith("-") && !isAssignment(word) && !word.matches("[0-9.]+[smhd]?")) {
                    simple(words.subList(i, words.size()), depth + 1, result);
                    return;
                }
            }
        }
    }

    private static boolean isAssignment(String word) {
        int eq = word.indexOf('=');
        return eq > 0 && word.substring(0, eq).matches("[A-Za-z_][A-Za-z0-9_]*");
    }

    private static String program(String word, Builder result) {
        String name = word;
        int slash = word.lastIndexOf('/');
        if (slash >= 0) {
            name = word.substring(slash + 1);
            String dir = word.substring(0, slash + 1);
            if (!SYSTEM_DIRS.contains(dir)) {
                result.opaque("program named by a path outside the system directories (" + dir + ")");
            }
        }
        return name.toLowerCase(Locale.ROOT);
    }

    private static final class Builder {
        private final Predicate<List<String>> transfer;
        private final Set<String> programs = new LinkedHashSet<>();
        private final Set<String> reasons = new LinkedHashSet<>();
        private List<String> argv = List.of();
        private boolean argvSet;

        Builder(Predicate<List<String>> transfer) {
            this.transfer = transfer;
        }

        void opaque(String reason) {
            reasons.add(reason);
        }

        void program(String name) {
            programs.add(name);
        }

        void argv(List<String> words) {
            if (!argvSet) {
                argv = List.copyOf(words);
                argvSet = true;
            }
        }

        Reading build() {
            return new Reading(List.copyOf(programs), argv, !reasons.isEmpty(), List.copyOf(reasons));
        }
    }
}
