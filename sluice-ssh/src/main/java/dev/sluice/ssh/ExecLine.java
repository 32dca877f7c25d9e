package dev.sluice.ssh;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads an SSH exec command line as the target's POSIX shell will ({@code $SHELL -c LINE}), well enough to judge it
 * soundly: it splits the line into simple commands at unquoted {@code ; & | newline ( )}, removes quotes and
 * backslashes as the shell does ({@code r''m} is {@code rm}), and names every program it can see, including the ones
 * run by wrappers ({@code sudo}, {@code env}, {@code xargs}, ...) and by {@code sh -c '...'}.
 *
 * <p>Where the shell could run something Sluice cannot see, the reading is <em>opaque</em>: any expansion
 * ({@code $}, backquotes, globs, {@code ~}), redirection, variable assignment, a nested shell, an interpreter or
 * program known to run code it is given ({@code python -c}, {@code awk}, {@code find -exec}, {@code eval}, ...), a
 * program named by a path outside the system directories (an uploaded script), or a line Sluice cannot tokenise
 * (unbalanced quotes, control characters). Rules then judge the most dangerous reading: an opaque command is allowed
 * only where a rule explicitly allows it. Stateless and thread-safe.
 */
final class ExecLine {
    /** Longer lines are not read at all: judged as an opaque, unknown command. */
    static final int MAX_LENGTH = 16 * 1024;
    private static final int MAX_DEPTH = 4;
    private static final Set<String> SHELLS = Set.of("sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "csh",
            "tcsh", "fish", "busybox", "rbash");
    /** Programs that run another program named in their arguments. */
    private static final Set<String> WRAPPERS = Set.of("sudo", "doas", "env", "nohup", "nice", "ionice", "timeout",
            "xargs", "exec", "command", "builtin", "time", "stdbuf", "setsid", "chroot", "su", "runuser", "watch",
            "flock", "strace", "ltrace", "unbuffer", "chrt", "taskset", "caffeinate", "script", "parallel", "sg",
            "nsenter", "unshare", "pkexec", "valgrind", "firejail", "bwrap");
    /** Programs that run code they are given (scripts, expressions, hooks, commands in options). */
    private static final Set<String> INTERPRETERS = Set.of("eval", "source", ".", "python", "python2", "python3",
            "perl", "ruby", "node", "nodejs", "php", "lua", "tclsh", "wish", "awk", "gawk", "mawk", "nawk", "sed",
            "find", "tar", "vi", "vim", "nvim", "less", "more", "man", "git", "ssh", "scp", "rsync", "make", "gdb",
            "expect", "java", "jshell", "ed", "ex", "emacs", "nano", "crontab", "at", "batch", "systemd-run",
            "docker", "kubectl", "dpkg", "apt", "apt-get", "pip", "npm", "openssl", "zip", "unzip", "socat", "nc",
            "ncat", "curl", "wget", "install", "dd", "tee", "bc", "dc", "m4", "jq", "osascript", "pwsh",
            // clients that run shell commands read from their input or arguments (.shell, \!, system, !cmd)
            "sqlite3", "sqlite", "psql", "mysql", "mariadb", "ftp", "sftp", "lftp", "tmux", "screen");
    private static final List<String> SYSTEM_DIRS = List.of("/bin/", "/usr/bin/", "/sbin/", "/usr/sbin/",
            "/usr/local/bin/", "/usr/local/sbin/");

    private ExecLine() {
    }

    /**
     * How Sluice reads one command line.
     *
     * @param programs every program Sluice can see the line run, lower-case basenames, in order, no duplicates
     * @param argv     the words of the first simple command after quote removal (empty for an empty line)
     * @param opaque   true when the shell could run something Sluice cannot see (see the class comment)
     * @param reasons  why the reading is opaque, for the audit trail and error messages (empty when it is not)
     */
    record Reading(List<String> programs, List<String> argv, boolean opaque, List<String> reasons) {
        Reading {
            programs = List.copyOf(programs);
            argv = List.copyOf(argv);
            reasons = List.copyOf(reasons);
        }
    }

    static Reading read(String line) {
        Builder result = new Builder();
        if (line.length() > MAX_LENGTH) {
            result.opaque("longer than " + MAX_LENGTH + " characters");
            return result.build();
        }
        read(line, 0, result);
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
        if (SHELLS.contains(program)) {
            result.opaque("runs a shell (" + program + ")");
            for (int i = at + 1; i < words.size() - 1; i++) {
                if (words.get(i).startsWith("-") && words.get(i).contains("c")) {
                    read(words.get(i + 1), depth + 1, result);
                    return;
                }
            }
            return;
        }
        if (INTERPRETERS.contains(program) && FileTransfer.of(words.subList(at, words.size())).isEmpty()) {
            result.opaque(program + " can run code it is given");
        }
        if (WRAPPERS.contains(program)) {
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
        private final Set<String> programs = new LinkedHashSet<>();
        private final Set<String> reasons = new LinkedHashSet<>();
        private List<String> argv = List.of();
        private boolean argvSet;

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
