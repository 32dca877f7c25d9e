package dev.sluice.postgres.sql;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import dev.sluice.core.config.LimitsConfig;

/**
 * Runs {@link PgQueryNative#parse} on platform threads whose native stack is large enough for the input.
 * <p>
 * Why: libpg_query's parser and JSON writer recurse without a stack-depth check on left-associative chains
 * ({@code 1+1+1...}) and deeply nested right-recursive ones ({@code NOT NOT ... x}); 10,000 levels (a 40 KB
 * statement) overflow a 1 MB stack and kill the JVM with SIGSEGV. A virtual thread runs native code on its carrier's
 * stack, so a large input must never be parsed there. Measured cost is at most ~65 bytes of native stack per input
 * byte on left-associative chains and ~200 on right-recursive ones (which the grammar caps at 10,000 levels), so:
 * <ul>
 *   <li>inputs up to {@link #INLINE_MAX_BYTES} run on the caller's thread: their worst case fits in 192 KB
 *       (a test guards this), a quarter of a carrier thread's 1 MB stack, and a hand-off would cost ten times the
 *       parse itself;</li>
 *   <li>inputs up to {@link #POOLED_MAX_BYTES} run on a small shared pool of {@link #POOLED_STACK} threads;</li>
 *   <li>larger inputs up to {@link #MAX_SQL_BYTES} run on a dedicated thread sized for them, at most
 *       {@link #LARGE_CONCURRENCY} at a time (they also bound heap use);</li>
 *   <li>anything larger is refused: the caller classifies it as unknown.</li>
 * </ul>
 * Otherwise a thread gets {@link #BASE_STACK} + {@link #STACK_PER_BYTE} per byte, a 2.5x margin. A caller waiting
 * for another thread (usually a virtual thread) parks instead of pinning its carrier. Thread-safe.
 */
public final class PgQueryRunner {

    static final int INLINE_MAX_BYTES = 1024;
    static final int MAX_SQL_BYTES = LimitsConfig.MAX_STATEMENT_BYTES;
    static final long BASE_STACK = 8L * 1024 * 1024;
    static final long STACK_PER_BYTE = 160;
    static final long POOLED_STACK = 64L * 1024 * 1024;
    static final int POOLED_MAX_BYTES = (int) ((POOLED_STACK - BASE_STACK) / STACK_PER_BYTE);
    static final int LARGE_CONCURRENCY = 2;
    /** Inputs from this size on trim the native heap after their parse, so that its memory returns. */
    static final int TRIM_AFTER_BYTES = 64 * 1024;
    /** The widest bounds that can be configured: only the size is bounded (a 4 MiB text has fewer tokens). */
    static final LimitsConfig WIDEST = new LimitsConfig(MAX_SQL_BYTES, MAX_SQL_BYTES, MAX_SQL_BYTES);

    private final PgQueryNative parser;
    private final ExecutorService pool;
    private final Semaphore large = new Semaphore(LARGE_CONCURRENCY);

    PgQueryRunner(PgQueryNative parser) {
        this.parser = parser;
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                Thread.ofPlatform().daemon().stackSize(POOLED_STACK).name("sluice-pgquery-", 0).factory());
        executor.allowCoreThreadTimeOut(true);
        this.pool = executor;
    }

    /**
     * Parses UTF-8 {@code sql} (no NUL; more than {@link #MAX_SQL_BYTES} bytes yields a
     * {@link PgQueryResult.Failure}). Interruption of the caller also yields a failure, with the interrupt flag kept.
     */
    PgQueryResult parse(byte[] sql) {
        return parse(sql, WIDEST);
    }

    /**
     * As {@link #parse(byte[])}, first bounding its cost (fail closed): over {@code limits}' bytes, or, by
     * {@code pg_query_scan} before any tree is built, over its tokens or estimated nesting depth, it is not parsed
     * and yields a {@link PgQueryResult.Refused}. After a large input the native heap is trimmed.
     */
    PgQueryResult parse(byte[] sql, LimitsConfig limits) {
        int bytes = sql.length;
        if (bytes > limits.maxStatementBytes()) {
            return new PgQueryResult.Refused("statement too large to judge: " + bytes + " bytes (max "
                    + limits.maxStatementBytes() + ")");
        }
        return run(sql, () -> bounded(sql, limits));
    }

    private PgQueryResult bounded(byte[] sql, LimitsConfig limits) {
        if (sql.length <= INLINE_MAX_BYTES) {
            return parser.parse(sql); // at most 1024 tokens, at most 1024 levels: nothing to bound
        }
        try {
            PgQueryTokens scanned = parser.scan(sql);
            if (scanned instanceof PgQueryTokens.Failure(String message)) {
                return new PgQueryResult.Failure(message, 0);
            }
            PgQueryTokens.Tokens tokens = (PgQueryTokens.Tokens) scanned;
            if (tokens.codes().length > limits.maxStatementTokens()) {
                return new PgQueryResult.Refused("statement too complex to judge: " + tokens.codes().length
                        + " tokens (max " + limits.maxStatementTokens() + ")");
            }
            int depth = tokens.depth();
            if (depth > limits.maxStatementDepth()) {
                return new PgQueryResult.Refused("statement too complex to judge: nesting depth " + depth
                        + " (max " + limits.maxStatementDepth() + ")");
            }
            return parser.parse(sql);
        } finally {
            if (sql.length >= TRIM_AFTER_BYTES) {
                parser.releaseMemory();
            }
        }
    }

    private PgQueryResult run(byte[] sql, Callable<PgQueryResult> work) {
        int bytes = sql.length;
        if (bytes <= INLINE_MAX_BYTES) {
            return call(work);
        }
        if (bytes > MAX_SQL_BYTES) {
            return new PgQueryResult.Failure("statement too large to classify: " + bytes + " bytes (max "
                    + MAX_SQL_BYTES + ")", 0);
        }
        try {
            return bytes <= POOLED_MAX_BYTES ? await(pool.submit(work)) : parseLarge(work, bytes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new PgQueryResult.Failure("interrupted while classifying", 0);
        }
    }

    private static PgQueryResult call(Callable<PgQueryResult> work) {
        try {
            return work.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private PgQueryResult parseLarge(Callable<PgQueryResult> work, int bytes) throws InterruptedException {
        large.acquire();
        // the permit is released by the parsing thread itself, so an interrupted caller cannot raise the concurrency
        Callable<PgQueryResult> task = () -> {
            try {
                return work.call();
            } finally {
                large.release();
            }
        };
        FutureTask<PgQueryResult> future = new FutureTask<>(task);
        try {
            Thread.ofPlatform().daemon().stackSize(BASE_STACK + STACK_PER_BYTE * bytes).name("sluice-pgquery-large")
                    .start(future);
        } catch (OutOfMemoryError | RuntimeException e) {
            large.release();
            return new PgQueryResult.Failure("no thread to classify a large statement: "
                    + e.getClass().getSimpleName(), 0);
        }
        return await(future);
    }

    private static PgQueryResult await(Future<PgQueryResult> future) throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            return new PgQueryResult.Failure("libpg_query call failed: " + e.getCause().getClass().getSimpleName(), 0);
        }
    }
}
