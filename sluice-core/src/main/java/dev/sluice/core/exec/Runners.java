package dev.sluice.core.exec;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The catalogue of programs that run something other than themselves, by how they do it. A program Sluice names is
 * looked up under every name it may be installed as ({@link #names}: {@code python3.11} is {@code python},
 * {@code x86_64-linux-gnu-gcc-12} is {@code gcc}), so a versioned or cross-prefixed copy of an interpreter is one.
 *
 * <ul>
 *   <li>{@link #SHELLS}: read their {@code -c} argument as a nested line; opaque in any case.</li>
 *   <li>{@link #WRAPPERS}: run the program named in their arguments; opaque, and the inner program is named too.</li>
 *   <li>{@link #INTERPRETERS}: run code, scripts, hooks or commands they are given in arguments, files, their input
 *       or a terminal escape (compilers and build tools through plug-ins and specs, editors and pagers through
 *       {@code !}, package managers through maintainer scripts, shell builtins such as {@code trap}); opaque.</li>
 *   <li>{@link #OPTIONS}: otherwise plain programs with options that run a command ({@code sort --compress-program},
 *       {@code split --filter}); opaque when such an option is present, read as GNU {@code getopt_long} reads it:
 *       any prefix of the long name ({@code --compress-prog=sh}, {@code --com sh}), anywhere before {@code --}
 *       (options may follow operands), a short letter anywhere in a cluster ({@code -xD}).</li>
 * </ul>
 * Where a program is not in the catalogue Sluice reads it as running only itself: the catalogue is the limit of the
 * judge, written in docs/security.md. Stateless.
 */
public final class Runners {
    static final Set<String> SHELLS = Set.of("sh", "bash", "dash", "zsh", "ksh", "mksh", "lksh", "pdksh", "oksh",
            "loksh", "ash", "csh", "tcsh", "fish", "busybox", "toybox", "rbash", "yash", "posh", "sash", "rc", "es",
            "elvish", "xonsh", "nu", "ion", "scsh");
    /** Programs that run another program named in their arguments. */
    static final Set<String> WRAPPERS = Set.of("sudo", "doas", "env", "nohup", "nice", "ionice", "timeout",
            "xargs", "exec", "command", "builtin", "time", "stdbuf", "setsid", "chroot", "su", "runuser", "watch",
            "flock", "strace", "ltrace", "unbuffer", "chrt", "taskset", "caffeinate", "script", "parallel", "sg",
            "nsenter", "unshare", "pkexec", "valgrind", "firejail", "bwrap", "setpriv", "prlimit", "capsh",
            "numactl", "cgexec", "fakeroot", "faketime", "proot", "torsocks", "torify", "proxychains",
            "dbus-run-session", "dbus-launch", "xvfb-run", "sshpass", "ssh-agent", "gosu", "su-exec", "chpst",
            "setuidgid", "envdir", "envuidgid", "softlimit", "tini", "dumb-init", "start-stop-daemon", "run-parts",
            "daemonize", "machinectl", "schroot", "lxc-attach", "lxc-execute", "podman", "nerdctl", "crictl", "ctr",
            "runc", "chronic", "ifne", "rlwrap", "cpulimit", "nocache", "eatmydata", "catchsegv", "linux32",
            "linux64", "setarch", "runcon", "perf", "hyperfine", "entr", "watchexec", "nodemon", "mpirun", "mpiexec",
            "srun", "newgrp", "xterm", "x-terminal-emulator", "autossh", "mosh", "sudoedit", "systemd-run",
            "systemd-nspawn");
    /** Programs that run code they are given (scripts, expressions, hooks, commands in options or input). */
    static final Set<String> INTERPRETERS = Set.of(
            // shell builtins that run code, or load it
            "eval", "source", ".", "trap", "enable", "mapfile", "readarray", "fc", "complete", "bind", "coproc",
            // interpreters
            "python", "pypy", "ipython", "bpython", "jython", "perl", "ruby", "irb", "jruby", "node", "nodejs",
            "deno", "bun", "qjs", "rhino", "jjs", "php", "lua", "luajit", "tclsh", "wish", "awk", "gawk", "mawk",
            "nawk", "busybox-awk", "sed", "gsed", "r", "rscript", "julia", "erl", "escript", "elixir", "iex", "scala",
            "groovy", "kotlin", "clojure", "guile", "sbcl", "clisp", "racket", "ocaml", "swift", "octave", "gnuplot",
            "ghc", "ghci", "runghc", "runhaskell", "java", "jshell", "bc", "dc", "m4", "jq", "osascript", "pwsh",
            "expect", "gdb", "lldb",
            // compilers, linkers and build tools: plug-ins, specs, -B/-wrapper, build scripts, annotation processors
            "gcc", "cc", "c++", "g++", "cpp", "clang", "clang++", "tcc", "ld", "ld.bfd", "ld.gold", "ld.lld",
            "javac", "go", "cargo", "rustc", "make", "gmake", "cmake", "ninja", "meson", "mvn", "gradle", "ant",
            "npm", "npx", "yarn", "pnpm", "pip", "pipx", "uv", "uvx", "poetry", "bundle", "rake", "gem", "mix",
            // file finders and processors that run commands on what they find, or through delegates
            "find", "fd", "fdfind", "tar", "cpio", "zip", "unzip", "install", "dd", "tee", "rg", "ldd",
            "convert", "magick", "gs", "exiftool", "pandoc", "groff", "troff", "nroff", "tex", "latex", "pdflatex",
            "lualatex", "xelatex", "logrotate", "aria2c", "fzf", "nmap", "tcpdump",
            // editors, pagers and text browsers with shell escapes
            "vi", "vim", "nvim", "view", "rview", "rvim", "vimdiff", "gvim", "evim", "vimx", "ed", "ex", "emacs",
            "nano", "pico", "joe", "jed", "mg", "micro", "editor", "sensible-editor", "less", "more", "most", "pg",
            "pager", "sensible-pager", "man", "perldoc", "mc", "w3m", "lynx", "elinks", "links", "telnet", "mail",
            "mailx", "mutt", "xdg-open", "run-mailcap", "see", "edit", "mimeopen",
            // version control, remote shells and transfers with hooks, helpers or command options
            "git", "hg", "svn", "fossil", "cvs", "bzr", "ssh", "scp", "rsync", "sftp", "sshfs", "ftp", "lftp",
            "socat", "nc", "ncat", "netcat", "curl", "wget", "openssl", "gpg", "gpg2",
            // schedulers, containers, package managers (maintainer scripts)
            "crontab", "at", "batch", "docker", "kubectl", "dpkg", "apt", "apt-get", "aptitude", "rpm", "yum",
            "dnf", "zypper", "apk", "pacman", "snap", "flatpak", "ansible", "ansible-playbook", "puppet",
            "salt-call",
            // clients that run shell commands read from their input or arguments (.shell, \!, system, !cmd, host)
            "sqlite3", "sqlite", "duckdb", "psql", "mysql", "mariadb", "mysqlsh", "mongo", "mongosh", "sqlplus",
            "tmux", "screen");
    /** Long option names (without {@code --}) and short option letters that make a program run a command. */
    static final Map<String, Option> OPTIONS = Map.of(
            "sort", Option.gnu("compress-program"),
            "split", Option.gnu("filter"),
            "sdiff", Option.gnu("diff-program"),
            "diff3", Option.gnu("diff-program"),
            "ssh-keygen", new Option(Set.of(), "D", false, Set.of()),
            "ssh-add", new Option(Set.of(), "sS", false, Set.of()),
            // ip netns exec NS PROGRAM (ip matches words by prefix: "ip netns e"), ip -batch FILE (-b, -ba, ...)
            "ip", new Option(Set.of("batch"), "", true, Set.of("exec")));
    private static final Pattern VERSION = Pattern.compile("[-_.]?[0-9][0-9._-]*$");
    private static final Pattern TRIPLET_PREFIX = Pattern.compile(
            "^(x86_64|i[3-6]86|aarch64|arm[a-z0-9]*|riscv64|powerpc[a-z0-9]*|ppc[a-z0-9]*|s390x|mips[a-z0-9]*)"
                    + "(-[a-z0-9_]+){1,3}-(?=[a-z])");
    private static final Pattern TRIPLET_SUFFIX = Pattern.compile(
            "-(x86_64|i[3-6]86|aarch64|arm[a-z0-9]*|riscv64|powerpc[a-z0-9]*|ppc[a-z0-9]*|s390x|mips[a-z0-9]*)"
                    + "(-[a-z0-9_]+)*$");

    private Runners() {
    }

    /**
     * Options that run a command.
     *
     * @param longNames long option names without {@code --}; any prefix of one is read as it (GNU abbreviation)
     * @param letters   short option letters
     * @param singleDash long names are also read after one dash ({@code ip -batch}), by prefix
     * @param operands  words that run a command wherever they are (any non-empty prefix: {@code ip netns e})
     */
    record Option(Set<String> longNames, String letters, boolean singleDash, Set<String> operands) {
        static Option gnu(String longName) {
            return new Option(Set.of(longName), "", false, Set.of());
        }

        /** Whether {@code args} (the words after the program) hold such an option before {@code --}. */
        boolean presentIn(List<String> args) {
            for (String word : args) {
                if (!word.isEmpty() && operands.stream().anyMatch(o -> o.startsWith(word))) {
                    return true;
                }
                if (word.equals("--")) {
                    return !operands.isEmpty() && args.subList(args.indexOf(word), args.size()).stream()
                            .anyMatch(w -> !w.isEmpty() && operands.stream().anyMatch(o -> o.startsWith(w)));
                }
                if (singleDash && word.startsWith("-") && !word.startsWith("--") && word.length() > 1
                        && longNames.stream().anyMatch(n -> n.startsWith(word.substring(1)))) {
                    return true;
                }
                if (word.startsWith("--") && word.length() > 2) {
                    int eq = word.indexOf('=');
                    String name = word.substring(2, eq < 0 ? word.length() : eq);
                    if (longNames.stream().anyMatch(n -> n.startsWith(name))) {
                        return true;
                    }
                } else if (word.startsWith("-") && word.length() > 1
                        && word.substring(1).chars().anyMatch(c -> letters.indexOf(c) >= 0)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Every name a program may be in the catalogue under: its lower-case basename, without a version suffix
     * ({@code python3.11}, {@code gcc-12}, {@code perl5.36.0}) and without a GNU target triplet before or after it
     * ({@code x86_64-linux-gnu-gcc}, {@code perl5.36-x86_64-linux-gnu}).
     */
    static Set<String> names(String program) {
        Set<String> result = new LinkedHashSet<>();
        String name = program.toLowerCase(Locale.ROOT);
        result.add(name);
        String bare = TRIPLET_SUFFIX.matcher(TRIPLET_PREFIX.matcher(name).replaceFirst("")).replaceFirst("");
        result.add(bare);
        for (String each : List.copyOf(result)) {
            String unversioned = VERSION.matcher(each).replaceFirst("");
            if (!unversioned.isEmpty()) {
                result.add(unversioned);
            }
        }
        return result;
    }

    static boolean isShell(String program) {
        return names(program).stream().anyMatch(SHELLS::contains);
    }

    static boolean isWrapper(String program) {
        return names(program).stream().anyMatch(WRAPPERS::contains);
    }

    static boolean isInterpreter(String program) {
        return names(program).stream().anyMatch(INTERPRETERS::contains);
    }

    /** Whether the program has an option that runs a command among {@code args}, the words after it. */
    static boolean runsByOption(String program, List<String> args) {
        return names(program).stream().map(OPTIONS::get).filter(java.util.Objects::nonNull)
                .anyMatch(option -> option.presentIn(args));
    }
}
