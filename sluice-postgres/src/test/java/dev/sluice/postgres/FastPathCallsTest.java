package dev.sluice.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

import dev.sluice.postgres.wire.MalformedMessageException;

class FastPathCallsTest {

    @Test
    void decodesOidFormatsAndArgumentsWithNull() {
        ByteBuffer b = ByteBuffer.allocate(4 + 2 + 4 + 2 + 4 + 4 + 4 + 2);
        b.putInt(954).putShort((short) 2).putShort((short) 1).putShort((short) 0).putShort((short) 2)
                .putInt(4).putInt(7).putInt(-1).putShort((short) 1);
        FastPathCalls.Call call = FastPathCalls.decode(b.array());
        assertThat(call.oid()).isEqualTo(954);
        assertThat(call.arguments()).hasSize(2);
        assertThat(call.arguments().get(0)).containsExactly(0, 0, 0, 7);
        assertThat(call.arguments().get(1)).isNull();
        assertThat(call.format(0)).isEqualTo((short) 1);
        assertThat(call.format(1)).isEqualTo((short) 0);
    }

    @Test
    void malformedCallsAreProtocolViolations() {
        assertThatThrownBy(() -> FastPathCalls.decode(new byte[] {0, 0, 3})).isInstanceOf(
                MalformedMessageException.class);
        ByteBuffer lying = ByteBuffer.allocate(4 + 2 + 2 + 4 + 2);
        lying.putInt(1).putShort((short) 0).putShort((short) 1).putInt(1000).putShort((short) 0);
        assertThatThrownBy(() -> FastPathCalls.decode(lying.array())).isInstanceOf(MalformedMessageException.class);
        ByteBuffer trailing = ByteBuffer.allocate(4 + 2 + 2 + 2 + 1);
        trailing.putInt(1).putShort((short) 0).putShort((short) 0).putShort((short) 0).put((byte) 9);
        assertThatThrownBy(() -> FastPathCalls.decode(trailing.array())).isInstanceOf(
                MalformedMessageException.class);
    }
}
