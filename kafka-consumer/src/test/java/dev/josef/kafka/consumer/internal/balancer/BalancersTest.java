package dev.josef.kafka.consumer.internal.balancer;

import dev.josef.kafka.consumer.spi.GroupBalancer;
import dev.josef.kafka.consumer.spi.GroupBalancer.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The built-in balancers are found by kafka-clients' names, and by its assignors' class names. */
class BalancersTest {

    @ParameterizedTest
    @CsvSource({"range", "roundrobin", "sticky", "cooperative-sticky"})
    void eachBuiltInIsFoundByTheNameItSends(String name) {
        assertThat(GroupBalancer.builtIn(name).name()).isEqualTo(name);
    }

    @Test
    void theFactoriesReturnTheBuiltIns() {
        assertThat(GroupBalancer.range().name()).isEqualTo("range");
        assertThat(GroupBalancer.roundRobin().name()).isEqualTo("roundrobin");
        assertThat(GroupBalancer.sticky().name()).isEqualTo("sticky");
        assertThat(GroupBalancer.cooperativeSticky().name()).isEqualTo("cooperative-sticky");
        assertThat(GroupBalancer.cooperativeSticky().protocols()).contains(Protocol.COOPERATIVE);
        assertThat(GroupBalancer.range().protocols()).containsExactly(Protocol.EAGER);
    }

    @Test
    void anUnknownNameIsRefusedWithTheNamesThatExist() {
        assertThatThrownBy(() -> GroupBalancer.builtIn("stiky"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("no built-in group balancer is named 'stiky' (built in: range, roundrobin, sticky, cooperative-sticky)");
    }

    @ParameterizedTest
    @CsvSource({
        "org.apache.kafka.clients.consumer.RangeAssignor, range",
        "org.apache.kafka.clients.consumer.RoundRobinAssignor, roundrobin",
        "org.apache.kafka.clients.consumer.StickyAssignor, sticky",
        "org.apache.kafka.clients.consumer.CooperativeStickyAssignor, cooperative-sticky",
        "range, range",
        "roundrobin, roundrobin",
        "sticky, sticky",
        "cooperative-sticky, cooperative-sticky",
    })
    void aStrategyEntryNamesABuiltInByOurNameOrKafkaClientsClassName(String entry, String name) {
        assertThat(Balancers.forStrategy(entry)).hasValueSatisfying(b -> assertThat(b.name()).isEqualTo(name));
        assertThat(Balancers.forStrategy(" " + entry + " ")).hasValueSatisfying(b -> assertThat(b.name()).isEqualTo(name));
    }

    @Test
    void theClassNamesAreKafkaClientsOwn() {
        assertThat(Balancers.forStrategy(org.apache.kafka.clients.consumer.RangeAssignor.class.getName())).isPresent();
        assertThat(Balancers.forStrategy(org.apache.kafka.clients.consumer.RoundRobinAssignor.class.getName())).isPresent();
        assertThat(Balancers.forStrategy(org.apache.kafka.clients.consumer.StickyAssignor.class.getName())).isPresent();
        assertThat(Balancers.forStrategy(org.apache.kafka.clients.consumer.CooperativeStickyAssignor.class.getName())).isPresent();
    }

    @Test
    void anyOtherStrategyIsNotABuiltIn() {
        assertThat(Balancers.forStrategy("com.example.MyAssignor")).isEmpty();
        assertThat(Balancers.forStrategy("Range")).isEmpty();
    }
}
