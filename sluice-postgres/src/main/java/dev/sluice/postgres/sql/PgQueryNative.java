package dev.sluice.postgres.sql;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

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

import dev.sluice.core.SluiceException;

/**
 * The binding to libpg_query ({@code pg_query.h}, PostgreSQL 15 grammar) through {@code java.lang.foreign}.
 * <pre>
 * typedef struct { char* parse_tree; char* stderr_buffer; PgQueryError* error; } PgQueryParseResult;   // 24 bytes
 * typedef struct { char* message; char* funcname; char* filename; int lineno; int cursorpos; char* context; }
 *         PgQueryError;                              // offsets 0, 8, 16, 24, 28, 32
 * PgQueryParseResult pg_query_parse(const char* input);
 * void pg_query_free_parse_result(PgQueryParseResult result);
 * typedef struct { struct { size_t len; char* data; } pbuf; char* stderr_buffer; PgQueryError* error; }
 *         PgQueryScanResult;                         // 32 bytes; pbuf is a protobuf ScanResult
 * PgQueryScanResult pg_query_scan(const char* input);
 * void pg_query_free_scan_result(PgQueryScanResult result);
 * int malloc_trim(size_t pad);                       // glibc, optional: returns freed heap to the system
 * </pre>
 * libpg_query is thread-safe per call (its memory contexts are thread-local), and every call here uses its own
 * confined arena, so one instance serves any number of threads. The native parser and its JSON writer recurse
 * without a stack check on some inputs: call {@link #parse} only on a thread whose stack
 * {@link PgQueryRunner} sized for the input, never directly from a virtual thread.
 */
public final class PgQueryNative {

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

    private static final StructLayout SCAN_RESULT = MemoryLayout.structLayout(
            JAVA_LONG.withName("len"), ADDRESS.withName("data"), ADDRESS.withName("stderr_buffer"),
            ADDRESS.withName("error"));
    private static final long SCAN_LEN_OFFSET = 0;
    private static final long SCAN_DATA_OFFSET = 8;
    private static final long SCAN_ERROR_OFFSET = 24;

    private final MethodHandle parse;
    private final MethodHandle free;
    private final MethodHandle scan;
    private final MethodHandle freeScan;
    private final Optional<MethodHandle> mallocTrim;

    private PgQueryNative(MethodHandle parse, MethodHandle free, MethodHandle scan, MethodHandle freeScan,
                          Optional<MethodHandle> mallocTrim) {
        this.parse = parse;
        this.free = free;
        this.scan = scan;
        this.freeScan = freeScan;
        this.mallocTrim = mallocTrim;
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
        MemorySegment scan = lookup.find("pg_query_scan").orElseThrow(PgQueryNative::missingSymbol);
        MemorySegment freeScan = lookup.find("pg_query_free_scan_result").orElseThrow(PgQueryNative::missingSymbol);
        Optional<MethodHandle> trim = linker.defaultLookup().find("malloc_trim")
                .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(JAVA_INT, JAVA_LONG)));
        return new PgQueryNative(
                linker.downcallHandle(parse, FunctionDescriptor.of(PARSE_RESULT, ADDRESS)),
                linker.downcallHandle(free, FunctionDescriptor.ofVoid(PARSE_RESULT)),
                linker.downcallHandle(scan, FunctionDescriptor.of(SCAN_RESULT, ADDRESS)),
                linker.downcallHandle(freeScan, FunctionDescriptor.ofVoid(SCAN_RESULT)), trim);
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

    /**
     * Runs PostgreSQL's lexer over UTF-8 {@code sql} (no NUL) and returns the token codes in order (comments
     * included), or the lexer's error. Cheap next to {@link #parse}: linear, no recursion, a few bytes per token.
     */
    PgQueryTokens scan(byte[] sql) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment input = arena.allocate(sql.length + 1L);
            MemorySegment.copy(sql, 0, input, JAVA_BYTE, 0, sql.length);
            MemorySegment raw = (MemorySegment) scan.invokeExact((SegmentAllocator) arena, input);
            try {
                MemorySegment error = raw.get(ADDRESS, SCAN_ERROR_OFFSET);
                if (!error.equals(MemorySegment.NULL)) {
                    MemorySegment err = error.reinterpret(ERROR_SIZE);
                    MemorySegment message = err.get(ADDRESS, ERROR_MESSAGE_OFFSET);
                    return new PgQueryTokens.Failure(message.equals(MemorySegment.NULL) ? "scan error"
                            : cString(message));
                }
                long length = raw.get(JAVA_LONG, SCAN_LEN_OFFSET);
                MemorySegment data = raw.get(ADDRESS, SCAN_DATA_OFFSET).reinterpret(length);
                return PgQueryTokens.decode(data);
            } finally {
                freeScan.invokeExact(raw);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("pg_query_scan failed", e);
        }
    }

    /** Returns freed native heap to the system (glibc {@code malloc_trim}); does nothing where it is missing. */
    void releaseMemory() {
        if (mallocTrim.isPresent()) {
            try {
                int ignored = (int) mallocTrim.get().invokeExact(0L);
            } catch (Throwable e) {
                // best effort: memory stays with the allocator
            }
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
