package dev.sluice.http;

import java.io.ByteArrayOutputStream;
import java.util.function.Consumer;

/**
 * Reads WebSocket frames (RFC 6455) out of a byte stream that is being relayed, without changing it: bytes are fed in
 * whatever pieces the relay reads, and each complete message's payload (unmasked, continuation frames joined) is
 * handed on. Control frames are skipped. Bounded: a message over {@link #MAX_MESSAGE} bytes stops the tap for good
 * (the relay goes on; the recording notes the gap). Used by one relay thread.
 */
final class WebSocketTap {
    static final int MAX_MESSAGE = 1 << 20;

    private enum State { HEAD, LENGTH, MASK, PAYLOAD }

    private final Consumer<byte[]> messages;
    private State state = State.HEAD;
    private int opcode;
    private boolean fin;
    private boolean masked;
    private long length;
    private int lengthBytes;
    private final byte[] mask = new byte[4];
    private int maskRead;
    private long payloadRead;
    private final ByteArrayOutputStream message = new ByteArrayOutputStream();
    private int messageOpcode;
    private boolean broken;
    private int headByte;

    WebSocketTap(Consumer<byte[]> messages) {
        this.messages = messages;
    }

    boolean broken() {
        return broken;
    }

    void feed(byte[] bytes, int offset, int count) {
        for (int i = offset; i < offset + count && !broken; i++) {
            int b = bytes[i] & 0xff;
            switch (state) {
                case HEAD -> {
                    if (headByte == 0) {
                        fin = (b & 0x80) != 0;
                        opcode = b & 0x0f;
                        headByte = 1;
                    } else {
                        masked = (b & 0x80) != 0;
                        length = b & 0x7f;
                        headByte = 0;
                        lengthBytes = length == 126 ? 2 : length == 127 ? 8 : 0;
                        if (lengthBytes > 0) {
                            length = 0;
                            state = State.LENGTH;
                        } else {
                            afterLength();
                        }
                    }
                }
                case LENGTH -> {
                    length = (length << 8) | b;
                    if (--lengthBytes == 0) {
                        afterLength();
                    }
                }
                case MASK -> {
                    mask[maskRead++] = (byte) b;
                    if (maskRead == 4) {
                        startPayload();
                    }
                }
                case PAYLOAD -> {
                    byte value = (byte) (masked ? b ^ mask[(int) (payloadRead % 4)] : b);
                    if (opcode < 8) {
                        message.write(value);
                    }
                    payloadRead++;
                    if (payloadRead == length) {
                        endFrame();
                    }
                }
            }
        }
    }

    private void afterLength() {
        if (length < 0 || length > MAX_MESSAGE || message.size() + length > MAX_MESSAGE) {
            broken = true;
            return;
        }
        if (masked) {
            maskRead = 0;
            state = State.MASK;
        } else {
            startPayload();
        }
    }

    private void startPayload() {
        payloadRead = 0;
        if (opcode != 0 && opcode < 8) {
            messageOpcode = opcode;
        }
        if (length == 0) {
            endFrame();
        } else {
            state = State.PAYLOAD;
        }
    }

    private void endFrame() {
        state = State.HEAD;
        if (opcode >= 8) {
            return; // control frame: ping, pong, close
        }
        if (fin) {
            byte[] payload = message.toByteArray();
            message.reset();
            if (messageOpcode == 1 || messageOpcode == 2) {
                messages.accept(payload);
            }
        }
    }
}
