package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class WebSocketTapTest {

    private static byte[] frame(int opcode, boolean fin, byte[] payload, boolean masked) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | opcode);
        int m = masked ? 0x80 : 0;
        if (payload.length < 126) {
            out.write(m | payload.length);
        } else {
            out.write(m | 126);
            out.write(payload.length >> 8);
            out.write(payload.length);
        }
        byte[] key = {9, 8, 7, 6};
        if (masked) {
            out.writeBytes(key);
        }
        for (int i = 0; i < payload.length; i++) {
            out.write(masked ? payload[i] ^ key[i % 4] : payload[i]);
        }
        return out.toByteArray();
    }

    @Test
    void messagesAreReassembledAtEveryFragmentationOfTheStream() {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.writeBytes(frame(2, true, "\u0001hello".getBytes(StandardCharsets.UTF_8), false));
        stream.writeBytes(frame(9, true, new byte[] {1, 2}, false)); // ping: skipped
        stream.writeBytes(frame(2, false, "\u0002par".getBytes(StandardCharsets.UTF_8), true));
        stream.writeBytes(frame(0, true, "t two".getBytes(StandardCharsets.UTF_8), true));
        stream.writeBytes(frame(2, true, ("\u0001" + "x".repeat(300)).getBytes(StandardCharsets.UTF_8), false));
        byte[] bytes = stream.toByteArray();
        for (int split = 1; split < bytes.length; split++) {
            List<String> messages = new ArrayList<>();
            WebSocketTap tap = new WebSocketTap(m -> messages.add(new String(m, StandardCharsets.UTF_8)));
            tap.feed(bytes, 0, split);
            tap.feed(bytes, split, bytes.length - split);
            assertThat(messages).as("split at " + split)
                    .containsExactly("\u0001hello", "\u0002part two", "\u0001" + "x".repeat(300));
        }
    }

    @Test
    void anOversizedMessageStopsTheTapWithoutThrowing() {
        List<byte[]> messages = new ArrayList<>();
        WebSocketTap tap = new WebSocketTap(messages::add);
        byte[] head = {(byte) 0x82, 127, 0, 0, 0, 0, 0x7f, 0, 0, 0};
        tap.feed(head, 0, head.length);
        assertThat(tap.broken()).isTrue();
        assertThat(messages).isEmpty();
    }
}
