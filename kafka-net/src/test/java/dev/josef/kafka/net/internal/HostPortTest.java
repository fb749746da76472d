package dev.josef.kafka.net.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HostPortTest {

    @Test
    void parsesNamesIpv4AndBracketedIpv6() {
        assertThat(HostPort.parse("broker-1.example:9092")).isEqualTo(new HostPort("broker-1.example", 9092));
        assertThat(HostPort.parse(" 127.0.0.1:19092 ")).isEqualTo(new HostPort("127.0.0.1", 19092));
        assertThat(HostPort.parse("[::1]:9093")).isEqualTo(new HostPort("::1", 9093));
        assertThat(HostPort.parse("[::1]:9093")).hasToString("[::1]:9093");
        assertThat(HostPort.parseList("a:1, b:2,,")).containsExactly(new HostPort("a", 1), new HostPort("b", 2));
    }

    @Test
    void badAddressesAreErrorsThatQuoteThem() {
        assertThatThrownBy(() -> HostPort.parse("localhost")).hasMessageContaining("not a host:port address: 'localhost'");
        assertThatThrownBy(() -> HostPort.parse("localhost:x")).hasMessageContaining("not a port number in 'localhost:x'");
        assertThatThrownBy(() -> HostPort.parse("localhost:0")).hasMessageContaining("port must be 1..65535, was 0");
        assertThatThrownBy(() -> HostPort.parse("::1:9092")).hasMessageContaining("needs brackets");
        assertThatThrownBy(() -> HostPort.parseList(" , ")).hasMessageContaining("no addresses");
    }
}
