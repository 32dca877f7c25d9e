package dev.sluice.ssh;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Passes bytes on unchanged and hands a copy, decoded as UTF-8 across write boundaries, to a recorder, up to a cap
 * (then one truncation note). Counts every byte. Used by one writer thread at a time.
 */
final class RecordingStream extends FilterOutputStream {
    private final Consumer<String> recorder;
    private final LongConsumer counter;
    private final long cap;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final ByteBuffer pending = ByteBuffer.allocate(8);
    private long recorded;
    private boolean truncated;

    RecordingStream(OutputStream out, Consumer<String> recorder, LongConsumer counter, long cap) {
        super(out);
        this.recorder = recorder;
        this.counter = counter;
        this.cap = cap;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        counter.accept(len);
        record(b, off, len);
    }

    private void record(byte[] b, int off, int len) {
        if (recorded >= cap) {
            if (!truncated) {
                truncated = true;
                recorder.accept("\r\n[Sluice: recording of this output truncated at " + cap + " bytes]\r\n");
            }
            return;
        }
        int take = (int) Math.min(len, cap - recorded);
        recorded += take;
        ByteBuffer in = ByteBuffer.allocate(pending.position() + take);
        pending.flip();
        in.put(pending);
        pending.clear();
        in.put(b, off, take).flip();
        CharBuffer chars = CharBuffer.allocate(in.remaining() + 1);
        decoder.decode(in, chars, false);
        if (in.remaining() > 0 && in.remaining() <= pending.capacity()) {
            pending.put(in);
        }
        chars.flip();
        if (chars.hasRemaining()) {
            recorder.accept(chars.toString());
        }
    }
}
