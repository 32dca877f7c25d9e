package dev.sluice.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HostPortTest {

    @ParameterizedTest
    @CsvSource({
            "127.0.0.1:5432, 127.0.0.1, 5432, 127.0.0.1:5432",
            "[::1]:5432, ::1, 5432, [::1]:5432",
            "localhost:5432, localhost, 5432, localhost:5432",
            "orders_db:5432, orders_db, 5432, orders_db:5432",
            "db-1.internal.example.com:6432, db-1.internal.example.com, 6432, db-1.internal.example.com:6432",
            "0.0.0.0:0, 0.0.0.0, 0, 0.0.0.0:0",
            "[2001:db8::7]:65535, 2001:db8::7, 65535, [2001:db8::7]:65535"})
    void parsesHostAndPortAndPrintsThemBack(String text, String host, int port, String printed) {
        HostPort address = HostPort.parse(text);

        assertThat(address).isEqualTo(new HostPort(host, port));
        assertThat(address.toString()).isEqualTo(printed);
    }

    @ParameterizedTest
    @CsvSource({
            "127.0.0.1, the port is missing",
            ":5432, the host is missing",
            "localhost:, the port must be a number from 0 to 65535",
            "localhost:65536, the port must be a number from 0 to 65535",
            "localhost:-1, the port must be a number from 0 to 65535",
            "localhost:5432x, the port must be a number from 0 to 65535",
            "'::1:5432', 'an IPv6 address must be in brackets, e.g. [::1]:5432'",
            "[::1]5432, an IPv6 address is written [address]:port",
            "[zz::1]:5432, '''zz::1'' is not a valid IPv6 address'",
            "256.0.0.1:5432, '''256.0.0.1'' is not a valid IPv4 address'",
            "db host:5432, '''db host'' is not a valid host name'",
            "-lead.example:5432, '''-lead.example'' is not a valid host name'"})
    void refusesAMalformedAddressWithAClearReason(String text, String reason) {
        assertThatThrownBy(() -> HostPort.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid address '" + text + "': " + reason + " (expected host:port, e.g. 127.0.0.1:5432)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:1", "127.255.0.9:1", "[::1]:1", "localhost:1", "LOCALHOST:1"})
    void recognisesLoopbackAddresses(String text) {
        assertThat(HostPort.parse(text).isLoopback()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0:1", "10.0.0.1:1", "[::]:1", "localhost.example.com:1", "128.0.0.1:1",
            "[2001:db8::1]:1"})
    void recognisesNonLoopbackAddresses(String text) {
        assertThat(HostPort.parse(text).isLoopback()).isFalse();
    }

    @Test
    void refusesAnOutOfRangePortOrBracketedHostInTheConstructor() {
        assertThatThrownBy(() -> new HostPort("localhost", 70000)).hasMessageContaining("out of range");
        assertThatThrownBy(() -> new HostPort("[::1]", 1)).hasMessageContaining("without brackets");
    }

    @Test
    void shortensAHugeValueInTheMessage() {
        String huge = "a".repeat(10_000);

        assertThatThrownBy(() -> HostPort.parse(huge)).message().hasSizeLessThan(300);
    }
}
