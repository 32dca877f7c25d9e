package dev.sluice.postgres;

import dev.sluice.core.SluiceException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The binding to libpg_query ({@code pg_query.h}, PostgreSQL 15 grammar) through {@code java.lang.foreign}.
 * <pre>
 * typedef struct { char* parse_tree; char* stderr_buffer; PgQueryError* error; } PgQueryParseResult;   // 24 bytes
 * typedef struct { char* message; char* funcname; char* filename; int lineno; int cursorpos; char* context; }
 *         PgQueryError;                              // offsets 0, 8, 16, 24, 28, 32
 * PgQueryParseResult pg_query_parse(const char* input);
 * void pg_query_free_parse_result(PgQueryParseResult result);
 * </pre>
 * libpg_query is thread-safe per call (its memory contexts are thread-local), and every call here uses its own
 * confined arena, so one instance serves any number of threads. The native parser and its JSON writer recurse
 * without a stack check on some inputs: call {@link #parse} only on a thread whose stack
 * {@link PgQueryRunner} sized for the input, never directly from a virtual thread.
 */
final class PgQueryNative {

    /** System property naming the library file to load before the built-in candidates. */
    static final String LIBRARY_PROPERTY = "sluice.pgquery.library";

    private static final List<String> DEFAULT_PATHS = List.of(
            "/usr/lib/x86_64-linux-gnu/libpg_query.so",
            "/usr/lib/x86_64-linux-gnu/libpg_query.so.1504.0",
            "/usr/lib/aarch64-linux-gnu/libpg_query.so",
            "/usr/lib/aarch64-linux-gnu/libpg_query.so.1504.0",
            "/usr/local/lib/libpg_query.so");
    private static final List<String> DEFAULT_NAMES = List.of("libpg_query.so", "libpg_query.so.1504.0");

    private static final StructLayout PARSE_RESULT = MemoryLayout.structLayout(
            ADDRESS.withName("parse_tree"), ADDRESS.withName("stderr_buffer"), ADDRESS.withName("error"));
    private static final long TREE_OFFSET = 0;
    private static final long ERROR_OFFSET = 16;
    private static final long ERROR_SIZE = 40;
    private static final long ERROR_MESSAGE_OFFSET = 0;
    private static final long ERROR_CURSOR_OFFSET = 28;

    private final MethodHandle parse;
    private final MethodHandle free;

    private PgQueryNative(MethodHandle parse, MethodHandle free) {
        this.parse = parse;
        this.free = free;
    }

    /** Loads libpg_query from the property, the usual Debian paths, then the system library search path. */
    static PgQueryNative load() {
        List<String> paths = new ArrayList<>();
        Optional.ofNullable(System.getProperty(LIBRARY_PROPERTY)).filter(p -> !p.isBlank()).ifPresent(paths::add);
        paths.addAll(DEFAULT_PATHS);
        return load(paths, DEFAULT_NAMES);
    }

    /**
     * Loads the first candidate that exists: absolute {@code paths} first, then {@code names} through the system
     * library lookup (dlopen's search path).
     *
     * @throws SluiceException when none can be loaded: the gateway must not run without a classifier
     */
    static PgQueryNative load(List<String> paths, List<String> names) {
        try {
            Optional<SymbolLookup> lookup = paths.stream().map(Path::of).filter(Files::isRegularFile).findFirst()
                    .map(p -> SymbolLookup.libraryLookup(p, Arena.global()))
                    .or(() -> names.stream().map(PgQueryNative::byName).flatMap(Optional::stream).findFirst());
            return lookup.map(PgQueryNative::bind).orElseThrow(
                    () -> new SluiceException("libpg_query not found: install libpg-query-dev (tried " + paths
                            + " and " + names + " on the system library path)"));
        } catch (IllegalCallerException e) {
            throw new SluiceException("libpg_query cannot be loaded: native access is disabled"
                    + " (run with --enable-native-access=ALL-UNNAMED)", e);
        }
    }

    private static Optional<SymbolLookup> byName(String name) {
        try {
            return Optional.of(SymbolLookup.libraryLookup(name, Arena.global()));
        } catch (IllegalArgumentException notFound) {
            return Optional.empty();
        }
    }

    private static PgQueryNative bind(SymbolLookup lookup) {
        Linker linker = Linker.nativeLinker();
        MemorySegment parse = lookup.find("pg_query_parse").orElseThrow(PgQueryNative::missingSymbol);
        MemorySegment free = lookup.find("pg_query_free_parse_result").orElseThrow(PgQueryNative::missingSymbol);
        return new PgQueryNative(
                linker.downcallHandle(parse, FunctionDescriptor.of(PARSE_RESULT, ADDRESS)),
                linker.downcallHandle(free, FunctionDescriptor.ofVoid(PARSE_RESULT)));
    }

    private static SluiceException missingSymbol() {
        return new SluiceException("libpg_query not found: the loaded library lacks pg_query_parse;"
                + " install libpg-query-dev");
    }

    /** Parses {@code sql} on the calling thread (see the class comment about its stack). */
    PgQueryResult parse(String sql) {
        return parse(sql.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Parses UTF-8 {@code sql}, which must not contain NUL, on the calling thread (see the class comment about its
     * stack).
     */
    PgQueryResult parse(byte[] sql) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment input = arena.allocate(sql.length + 1L);
            MemorySegment.copy(sql, 0, input, JAVA_BYTE, 0, sql.length);
            MemorySegment raw = (MemorySegment) parse.invokeExact((SegmentAllocator) arena, input);
            try {
                return read(raw);
            } finally {
                free.invokeExact(raw);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("pg_query_parse failed", e);
        }
    }

    private static PgQueryResult read(MemorySegment raw) {
        MemorySegment error = raw.get(ADDRESS, ERROR_OFFSET);
        if (!error.equals(MemorySegment.NULL)) {
            MemorySegment err = error.reinterpret(ERROR_SIZE);
            MemorySegment message = err.get(ADDRESS, ERROR_MESSAGE_OFFSET);
            String text = message.equals(MemorySegment.NULL) ? "parse error" : cString(message);
            return new PgQueryResult.Failure(text, err.get(JAVA_INT, ERROR_CURSOR_OFFSET));
        }
        MemorySegment tree = raw.get(ADDRESS, TREE_OFFSET);
        if (tree.equals(MemorySegment.NULL)) {
            return new PgQueryResult.Failure("libpg_query returned neither a tree nor an error", 0);
        }
        return new PgQueryResult.Tree(cString(tree));
    }

    private static String cString(MemorySegment pointer) {
        return pointer.reinterpret(Long.MAX_VALUE).getString(0, StandardCharsets.UTF_8);
    }
}
