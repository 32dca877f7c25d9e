package dev.sluice.ssh.sftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class SftpPacketTest {

    @Test
    void aPacketRoundTrips() throws Exception {
        SftpPacket request = SftpPacket.request(SftpPacket.REALPATH, 7, "/etc/passwd");
        SftpPacket read = SftpPacket.read(new ByteArrayInputStream(request.encode())).orElseThrow();

        assertThat(read.type()).isEqualTo(SftpPacket.REALPATH);
        assertThat(read.id()).isEqualTo(7);
        SftpPacket.Fields f = read.fields();
        f.uint32();
        assertThat(f.path()).isEqualTo("/etc/passwd");
        assertThat(read.withId(9).id()).isEqualTo(9);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        read.writeWithId(out, 9);
        assertThat(out.toByteArray()).isEqualTo(read.withId(9).encode());
    }

    @Test
    void aLengthOverTheBoundIsRefusedBeforeAllocating() {
        byte[] header = ByteBuffer.allocate(5).putInt(Integer.MAX_VALUE).put((byte) 3).array();
        assertThatThrownBy(() -> SftpPacket.read(new ByteArrayInputStream(header)))
                .hasMessageContaining("expected: 1.." + SftpPacket.MAX_LENGTH);
    }

    @Test
    void truncatedPacketsAndStringsAreMalformed() {
        byte[] encoded = SftpPacket.request(SftpPacket.REMOVE, 1, "abc").encode();
        for (int cut = 1; cut < encoded.length; cut++) {
            byte[] part = java.util.Arrays.copyOf(encoded, cut);
            assertThatThrownBy(() -> SftpPacket.read(new ByteArrayInputStream(part)))
                    .isInstanceOf(SftpPacket.MalformedPacketException.class);
        }
        byte[] lying = ByteBuffer.allocate(13).putInt(9).put((byte) 13).putInt(1).putInt(1000).array();
        assertThatThrownBy(() -> {
            SftpPacket packet = SftpPacket.read(new ByteArrayInputStream(lying)).orElseThrow();
            SftpPacket.Fields f = packet.fields();
            f.uint32();
            f.path();
        }).hasMessageContaining("expected: <=");
    }

    @Test
    void pathsWithNulOrInvalidUtf8AreRefused() {
        assertThatThrownBy(() -> pathOf(new byte[] {'a', 0, 'b'})).hasMessageContaining("NUL");
        assertThatThrownBy(() -> pathOf(new byte[] {'a', (byte) 0xC0, (byte) 0xAF})).hasMessageContaining("UTF-8");
    }

    private static String pathOf(byte[] raw) throws Exception {
        ByteBuffer body = ByteBuffer.allocate(8 + raw.length).putInt(1).putInt(raw.length).put(raw);
        SftpPacket.Fields f = new SftpPacket(SftpPacket.REMOVE, body.array()).fields();
        f.uint32();
        return f.path();
    }

    @Test
    void pathsFoldAsTheServerResolvesThem() {
        assertThat(SftpPaths.absolute("/home/u", "x/../../../etc/shadow")).isEqualTo("/etc/shadow");
        assertThat(SftpPaths.absolute("/home/u", "/../../etc//passwd/.")).isEqualTo("/etc/passwd");
        assertThat(SftpPaths.absolute("/home/u", ".")).isEqualTo("/home/u");
        assertThat(SftpPaths.parent("/a/b")).isEqualTo("/a");
        assertThat(SftpPaths.name("/a/b")).isEqualTo("b");
    }
}
