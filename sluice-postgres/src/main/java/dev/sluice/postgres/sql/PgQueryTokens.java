package dev.sluice.postgres.sql;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * What {@code pg_query_scan} found: the token codes of a statement string, or the lexer's error. Token codes are
 * libpg_query's {@code Token} enum ({@code pg_query.proto}): a character's own code for one-character tokens, 258 and
 * up for the others.
 */
public sealed interface PgQueryTokens {

    /** The tokens, comments excluded, in order. */
    record Tokens(int[] codes) implements PgQueryTokens {

        private static final int LEAF_FIRST = 258; // IDENT, UIDENT, FCONST, SCONST, USCONST, BCONST, XCONST
        private static final int LEAF_LAST = 264;
        private static final int ICONST = 266;
        private static final int PARAM = 267;
        private static final int AND = 291;
        private static final int CASE = 321;
        private static final int ELSE = 397;
        private static final int END = 401;
        private static final int OR = 548;
        private static final int THEN = 669;
        private static final int WHEN = 712;

        /**
         * An estimate of the nesting depth of the statements' parse trees, cheap to compute before parsing. Each
         * {@code (}, {@code [} or {@code CASE} opens a level; within a level every token that is not a name, a
         * constant or a parameter deepens it by one (a left-associative operator chain {@code 1+1+...} nests once
         * per operator), until a {@code ,}, {@code AND}, {@code OR}, {@code WHEN}, {@code THEN} or {@code ELSE}
         * (operands PostgreSQL keeps side by side) resets it; {@code ;} resets everything. The depth at a token is
         * the sum over the open levels; the estimate is the largest.
         */
        int depth() {
            int[] chain = new int[16];
            int top = 0;
            long open = 0; // sum of (chain + 1) over the levels below top
            long deepest = 0;
            for (int code : codes) {
                switch (code) {
                    case '(', '[', CASE -> {
                        open += chain[top] + 1L;
                        if (++top == chain.length) {
                            chain = Arrays.copyOf(chain, chain.length * 2);
                        }
                        chain[top] = 0;
                    }
                    case ')', ']', END -> {
                        if (top > 0) {
                            top--;
                            open -= chain[top] + 1L;
                        }
                    }
                    case ',', AND, OR, WHEN, THEN, ELSE -> chain[top] = 0;
                    case ';' -> {
                        top = 0;
                        open = 0;
                        chain[0] = 0;
                    }
                    default -> {
                        if (!(code >= LEAF_FIRST && code <= LEAF_LAST) && code != ICONST && code != PARAM) {
                            chain[top]++;
                        }
                    }
                }
                deepest = Math.max(deepest, open + chain[top] + 1);
            }
            return (int) Math.min(Integer.MAX_VALUE, deepest);
        }
    }

    /** The lexer rejected the input (an unterminated literal or comment): the parser would reject it too. */
    record Failure(String message) implements PgQueryTokens {
    }

    /**
     * Decodes a protobuf {@code ScanResult}: field 2 repeats {@code ScanToken} messages whose field 4 is the token.
     * Comments ({@code SQL_COMMENT} 275, {@code C_COMMENT} 276) are left out.
     */
    static PgQueryTokens decode(MemorySegment segment) {
        byte[] data = segment.toArray(JAVA_BYTE); // one bulk copy: decoding from the heap is several times faster
        long size = data.length;
        int[] codes = new int[64];
        int count = 0;
        long[] at = {0};
        while (at[0] < size) {
            long tag = varint(data, at);
            if ((tag & 7) == 0) {
                varint(data, at);
                continue;
            }
            if (tag != ((2 << 3) | 2)) {
                throw new IllegalStateException("unexpected field in the scan result: " + tag);
            }
            long end = varint(data, at) + at[0];
            int token = 0;
            while (at[0] < end) {
                long field = varint(data, at);
                long value = varint(data, at);
                if (field == ((4 << 3) | 0)) {
                    token = (int) value;
                }
            }
            if (token == 275 || token == 276) {
                continue;
            }
            if (count == codes.length) {
                codes = Arrays.copyOf(codes, codes.length * 2);
            }
            codes[count++] = token;
        }
        return new Tokens(Arrays.copyOf(codes, count));
    }

    private static long varint(byte[] data, long[] at) {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = data[(int) at[0]++];
            result |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw new IllegalStateException("malformed varint in the scan result");
    }
}
