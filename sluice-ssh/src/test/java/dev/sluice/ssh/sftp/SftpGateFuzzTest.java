package dev.sluice.ssh.sftp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Optional;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz target for the SFTP framing and field decoding the gate runs on every client packet: whatever the bytes,
 * reading packets and their fields either succeeds or raises {@link SftpPacket.MalformedPacketException} (or ends
 * cleanly); nothing else is thrown, nothing larger than the bound is allocated, and a path that decodes is valid text
 * without NUL that folds to an absolute path.
 */
class SftpGateFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void decode(byte[] data) {
        ByteArrayInputStream in = new ByteArrayInputStream(data);
        try {
            Optional<SftpPacket> packet;
            while ((packet = SftpPacket.read(in)).isPresent()) {
                assertThat(packet.get().body().length).isLessThan(SftpPacket.MAX_LENGTH);
                SftpPacket.Fields f = packet.get().fields();
                try {
                    f.uint32();
                    String path = f.path();
                    assertThat(path).doesNotContain("\0");
                    assertThat(SftpPaths.absolute("/home/u", path)).startsWith("/").doesNotContain("/../");
                    f.uint32();
                    f.uint64();
                } catch (SftpPacket.MalformedPacketException e) {
                    // a short or lying field: refused as SSH_FX_BAD_MESSAGE by the gate
                }
            }
        } catch (SftpPacket.MalformedPacketException e) {
            // broken framing: the gate ends the subsystem
        } catch (IOException e) {
            throw new AssertionError("only MalformedPacketException may leave the decoder", e);
        }
    }
}
