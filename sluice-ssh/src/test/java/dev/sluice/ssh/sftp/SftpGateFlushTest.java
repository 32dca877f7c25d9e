package dev.sluice.ssh.sftp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gate flushes a stream only when no whole SFTP packet waits behind the one it forwarded. Both its output streams
 * here pass on only what was flushed (as MINA's channel output streams send only flushed or full packets), so a
 * forwarded request or answer left unflushed would never arrive and the test would time out.
 */
class SftpGateFlushTest {
    private static final FileJudge ALLOW = new FileJudge() {
        @Override
        public Answer judge(String text, List<FileOp> ops) {
            return new Answer.Forward(1);
        }

        @Override
        public void completed(long commandId, int status, String message) {
        }
    };

    /** Passes on what it was given only when flushed. */
    private static final class FlushedOnly extends OutputStream {
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private final OutputStream sink;

        FlushedOnly(OutputStream sink) {
            this.sink = sink;
        }

        @Override
        public synchronized void write(int b) {
            pending.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            pending.write(b, off, len);
        }

        @Override
        public synchronized void flush() throws IOException {
            sink.write(pending.toByteArray());
            sink.flush();
            pending.reset();
        }

        @Override
        public synchronized void close() throws IOException {
            sink.close();
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void requestsSentTogetherAndAPartlySentOneAllReachTheTargetAndEveryAnswerTheClient() throws Exception {
        PipedOutputStream client = new PipedOutputStream();
        PipedInputStream gateFromClient = new PipedInputStream(client, 1 << 20);
        PipedOutputStream gateToClientSink = new PipedOutputStream();
        PipedInputStream clientReads = new PipedInputStream(gateToClientSink, 1 << 20);
        PipedOutputStream gateToTargetSink = new PipedOutputStream();
        PipedInputStream targetReads = new PipedInputStream(gateToTargetSink, 1 << 20);
        PipedOutputStream target = new PipedOutputStream();
        PipedInputStream gateFromTarget = new PipedInputStream(target, 1 << 20);
        List<Integer> seenByTarget = new CopyOnWriteArrayList<>();
        Thread server = Thread.ofPlatform().daemon().start(() -> serve(targetReads, target, seenByTarget));
        SftpGate gate = new SftpGate(gateFromClient, new FlushedOnly(gateToClientSink), gateFromTarget,
                new FlushedOnly(gateToTargetSink), ALLOW);
        Thread relay = Thread.ofPlatform().daemon().start(() -> {
            try {
                gate.run();
            } catch (IOException e) {
                // the test fails on the missing answers
            }
        });

        client.write(new SftpPacket(SftpPacket.INIT, new byte[] {0, 0, 0, 3}).encode());
        client.flush();
        assertThat(SftpPacket.read(clientReads).orElseThrow().type()).isEqualTo(SftpPacket.VERSION);
        byte[] three = concat(write(11), write(12), write(13));
        client.write(three);
        client.flush();
        byte[] fourth = write(14);
        client.write(fourth, 0, fourth.length / 2); // a partial packet stays behind the two before it
        client.flush();
        List<Integer> answered = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            answered.add(SftpPacket.read(clientReads).orElseThrow().id());
        }
        client.write(fourth, fourth.length / 2, fourth.length - fourth.length / 2);
        client.flush();
        answered.add(SftpPacket.read(clientReads).orElseThrow().id());

        assertThat(answered).containsExactly(11, 12, 13, 14);
        assertThat(seenByTarget).containsExactly(SftpPacket.INIT, SftpPacket.REALPATH, SftpPacket.WRITE,
                SftpPacket.WRITE, SftpPacket.WRITE, SftpPacket.WRITE);
        client.close();
        relay.join(10_000);
        server.join(10_000);
    }

    /** A 32 KiB WRITE on handle "h" (forwarded as is: a data packet on a handle). */
    private static byte[] write(int id) {
        byte[] data = new byte[32 * 1024];
        Arrays.fill(data, (byte) id);
        ByteBuffer body = ByteBuffer.allocate(4 + 4 + 1 + 8 + 4 + data.length);
        body.putInt(id).putInt(1).put((byte) 'h').putLong(0).putInt(data.length).put(data);
        return new SftpPacket(SftpPacket.WRITE, body.array()).encode();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream result = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            result.writeBytes(part);
        }
        return result.toByteArray();
    }

    /** A minimal sftp-server: VERSION to INIT, a name to REALPATH, OK to the rest; answers go out together. */
    private static void serve(InputStream in, OutputStream out, List<Integer> seen) {
        try (in; out) {
            Optional<SftpPacket> next;
            while ((next = SftpPacket.read(in)).isPresent()) {
                SftpPacket packet = next.get();
                seen.add(packet.type());
                byte[] answer = switch (packet.type()) {
                    case SftpPacket.INIT -> new SftpPacket(SftpPacket.VERSION, new byte[] {0, 0, 0, 3}).encode();
                    case SftpPacket.REALPATH -> {
                        byte[] name = "/home/u".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                        ByteBuffer body = ByteBuffer.allocate(4 + 4 + 4 + name.length + 4 + 4 + 4);
                        body.putInt(packet.id()).putInt(1).putInt(name.length).put(name).putInt(0).putInt(0)
                                .putInt(0);
                        yield new SftpPacket(SftpPacket.NAME, body.array()).encode();
                    }
                    default -> SftpPacket.status(packet.id(), SftpPacket.FX_OK, "").encode();
                };
                out.write(answer);
                out.flush();
            }
        } catch (IOException e) {
            // the gate closed its side
        }
    }
}
