package dev.sluice.core.masking;

/**
 * A {@link CharSequence} view that counts character reads and throws once a budget is spent. Wrapped around a
 * value before a backtracking regex sees it, it bounds the time one match attempt may take.
 */
final class BudgetedText implements CharSequence {
    private final CharSequence text;
    private long remaining;

    BudgetedText(CharSequence text, long budget) {
        this.text = text;
        this.remaining = budget;
    }

    @Override
    public int length() {
        return text.length();
    }

    @Override
    public char charAt(int index) {
        if (--remaining < 0) {
            throw new BudgetExceededException();
        }
        return text.charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return new BudgetedText(text.subSequence(start, end), remaining);
    }

    @Override
    public String toString() {
        return text.toString();
    }

    /** Thrown when the read budget is spent; carries no stack trace, it is control flow. */
    static final class BudgetExceededException extends RuntimeException {
        BudgetExceededException() {
            super("regex step budget exceeded", null, false, false);
        }
    }
}
