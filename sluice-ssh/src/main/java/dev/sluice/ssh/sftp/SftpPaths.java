package dev.sluice.ssh.sftp;

import java.util.ArrayDeque;
import java.util.Deque;

/** Lexical path arithmetic as the SFTP server applies it: relative to the login's home, {@code .} and {@code ..} folded. */
public final class SftpPaths {
    private SftpPaths() {
    }

    /**
     * {@code path} made absolute against {@code home} and normalised: empty segments and {@code .} dropped,
     * {@code ..} removing the segment before it ({@code /..} is {@code /}, as the kernel reads it).
     */
    public static String absolute(String home, String path) {
        String joined = path.startsWith("/") ? path : (home.endsWith("/") ? home : home + "/") + path;
        Deque<String> segments = new ArrayDeque<>();
        for (String segment : joined.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                segments.pollLast();
            } else {
                segments.addLast(segment);
            }
        }
        return "/" + String.join("/", segments);
    }

    /** The parent of a normalised absolute path ({@code /} for {@code /}). */
    public static String parent(String absolute) {
        int slash = absolute.lastIndexOf('/');
        return slash <= 0 ? "/" : absolute.substring(0, slash);
    }

    /** The last segment of a normalised absolute path (empty for {@code /}). */
    public static String name(String absolute) {
        return absolute.substring(absolute.lastIndexOf('/') + 1);
    }
}
