package dev.sluice.ssh;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.sluice.ssh.sftp.SftpPaths;

/**
 * Recognises the server side of a file transfer in an exec command line: legacy {@code scp -t}/{@code scp -f} (what
 * {@code scp -O} runs on the host) and {@code rsync --server [--sender]} (what {@code rsync -e ssh} runs). Only the
 * exact forms the clients send are recognised; anything else is an ordinary (and, for scp and rsync, opaque) command.
 *
 * @param tool      {@code scp} or {@code rsync}
 * @param kind      {@code WRITE} (upload: scp -t, rsync --server) or {@code READ} (scp -f, rsync --sender)
 * @param paths     the paths on the host: absolute ones folded, relative ones as {@code ~/path} (home-relative)
 * @param recursive {@code scp -r}, or rsync with {@code -r} or {@code -d} among its flags (it may then touch anything
 *                  below its root; Sluice judges each entry of a legacy scp stream, not of rsync's)
 * @param intoDirectory {@code scp -d}: the one path must be a directory (the host's scp refuses otherwise)
 */
record FileTransfer(String tool, String kind, List<String> paths, boolean recursive, boolean intoDirectory) {
    private static final Set<String> SCP_FLAGS = Set.of("-v", "-r", "-p", "-d", "-t", "-f", "-q");
    private static final Set<String> RSYNC_LONG = Set.of("--server", "--sender", "--delete", "--delete-after",
            "--delete-during", "--delete-delay", "--delete-before", "--partial", "--inplace", "--append",
            "--append-verify", "--numeric-ids", "--safe-links", "--no-implied-dirs", "--size-only", "--ignore-times",
            "--checksum", "--existing", "--ignore-existing", "--remove-source-files", "--mkpath", "--list-only");

    /** The transfer {@code argv} (after quote removal) performs; empty when it is not one of the exact forms. */
    static Optional<FileTransfer> of(List<String> argv) {
        if (argv.isEmpty()) {
            return Optional.empty();
        }
        return switch (argv.getFirst()) {
            case "scp", "/usr/bin/scp" -> scp(argv.subList(1, argv.size()));
            case "rsync", "/usr/bin/rsync" -> rsync(argv.subList(1, argv.size()));
            default -> Optional.empty();
        };
    }

    private static Optional<FileTransfer> scp(List<String> args) {
        boolean to = false;
        boolean from = false;
        boolean recursive = false;
        boolean directory = false;
        int i = 0;
        for (; i < args.size() && args.get(i).startsWith("-"); i++) {
            String flag = args.get(i);
            if (flag.equals("--")) {
                i++;
                break;
            }
            if (!SCP_FLAGS.contains(flag)) {
                return Optional.empty();
            }
            to |= flag.equals("-t");
            from |= flag.equals("-f");
            recursive |= flag.equals("-r");
            directory |= flag.equals("-d");
        }
        List<String> paths = args.subList(i, args.size());
        if (to == from || paths.isEmpty() || to && paths.size() != 1) {
            return Optional.empty();
        }
        String kind = to ? "WRITE" : "READ";
        boolean descends = recursive;
        boolean into = directory;
        return paths(paths).map(p -> new FileTransfer("scp", kind, p, descends, into));
    }

    private static Optional<FileTransfer> rsync(List<String> args) {
        if (args.isEmpty() || !args.getFirst().equals("--server")) {
            return Optional.empty();
        }
        boolean sender = false;
        boolean recursive = false;
        int i = 1;
        for (; i < args.size() && args.get(i).startsWith("-"); i++) {
            String option = args.get(i);
            if (option.startsWith("--")) {
                if (!RSYNC_LONG.contains(option) && !option.matches("--timeout=[0-9]+")) {
                    return Optional.empty();
                }
                sender |= option.equals("--sender");
            } else if (!option.matches("-[A-Za-z.0-9]+")) {
                return Optional.empty();
            } else {
                // the flags come before "e" (what follows it is the protocol's capability string)
                int e = option.indexOf('e');
                String flags = e < 0 ? option : option.substring(0, e);
                recursive |= flags.indexOf('r') >= 0 || flags.indexOf('d') >= 0;
            }
        }
        if (i >= args.size() || !args.get(i).equals(".") || i + 1 >= args.size()) {
            return Optional.empty();
        }
        boolean isSender = sender;
        boolean descends = recursive;
        return paths(args.subList(i + 1, args.size())).map(p -> new FileTransfer("rsync", isSender ? "READ" : "WRITE",
                p, descends, false));
    }

    private static Optional<List<String>> paths(List<String> given) {
        List<String> result = new ArrayList<>();
        for (String path : given) {
            if (path.isEmpty()) {
                return Optional.empty();
            }
            if (path.startsWith("/")) {
                result.add(SftpPaths.absolute("/", path));
                continue;
            }
            String relative = path.startsWith("~/") ? path.substring(2) : path;
            String folded = SftpPaths.absolute("/", relative);
            // Fail closed: a relative path that climbs out of the home directory cannot be placed without knowing it.
            if (climbs(relative)) {
                return Optional.empty();
            }
            result.add("~" + folded);
        }
        return Optional.of(List.copyOf(result));
    }

    private static boolean climbs(String relative) {
        int depth = 0;
        for (String segment : relative.split("/")) {
            if (segment.equals("..")) {
                depth--;
                if (depth < 0) {
                    return true;
                }
            } else if (!segment.isEmpty() && !segment.equals(".")) {
                depth++;
            }
        }
        return false;
    }
}
