package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.TopicPartition;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bytes a classic consumer group's members carry, as kafka-clients writes them, read back by admin. */
class ConsumerProtocolBytesTest {
    private static final org.apache.kafka.common.TopicPartition ORDERS_0 = new org.apache.kafka.common.TopicPartition("orders", 0);
    private static final org.apache.kafka.common.TopicPartition ORDERS_2 = new org.apache.kafka.common.TopicPartition("orders", 2);
    private static final org.apache.kafka.common.TopicPartition AUDIT_1 = new org.apache.kafka.common.TopicPartition("audit", 1);

    @ParameterizedTest(name = "version {0}")
    @ValueSource(shorts = {0, 1, 2, 3})
    void anAssignmentIsReadAtEveryVersionKafkaClientsWrites(short version) {
        ByteBuffer bytes = ConsumerProtocol.serializeAssignment(new ConsumerPartitionAssignor.Assignment(
                List.of(ORDERS_2, AUDIT_1, ORDERS_0), ByteBuffer.wrap("user data".getBytes(StandardCharsets.UTF_8))),
                version);
        assertThat(bytes.getShort(0)).isEqualTo(version);
        assertThat(ConsumerProtocolBytes.assignment(array(bytes))).containsExactly(
                TopicPartition.of("audit", 1), TopicPartition.of("orders", 0), TopicPartition.of("orders", 2));
    }

    @ParameterizedTest(name = "version {0}")
    @ValueSource(shorts = {0, 1, 2, 3})
    void aSubscriptionIsReadAtEveryVersionKafkaClientsWrites(short version) {
        ByteBuffer bytes = ConsumerProtocol.serializeSubscription(new ConsumerPartitionAssignor.Subscription(
                List.of("orders", "audit"), null, List.of(ORDERS_0), 7, Optional.of("rack-a")), version);
        ConsumerProtocolBytes.Subscription s = ConsumerProtocolBytes.subscription(array(bytes));
        assertThat(s.topics()).containsExactly("audit", "orders");
        assertThat(s.rackId()).isEqualTo(version >= 3 ? Optional.of("rack-a") : Optional.empty());
    }

    @Test
    void aNewerVersionIsReadWithTheNewestLayoutAndItsTailIgnored() {
        ByteBuffer v3 = ConsumerProtocol.serializeAssignment(new ConsumerPartitionAssignor.Assignment(List.of(ORDERS_0)),
                (short) 3);
        byte[] v9 = Arrays.copyOf(array(v3), v3.remaining() + 5);
        v9[1] = 9; // the version, big-endian int16; five bytes of fields Josef does not know follow
        assertThat(ConsumerProtocolBytes.assignment(v9)).containsExactly(TopicPartition.of("orders", 0));
    }

    @Test
    void noBytesAreNoAssignmentAndNoSubscription() {
        assertThat(ConsumerProtocolBytes.assignment(new byte[0])).isEmpty();
        assertThat(ConsumerProtocolBytes.subscription(new byte[0]).topics()).isEmpty();
    }

    @Test
    void bytesThatDoNotParseAreRefusedWithWhatTheyWere() {
        assertThatThrownBy(() -> ConsumerProtocolBytes.assignment(new byte[] {0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("assignment of 1 byte has no version");
        assertThatThrownBy(() -> ConsumerProtocolBytes.assignment(new byte[] {(byte) 0xff, (byte) 0xff, 0, 0}))
                .hasMessageContaining("version -1");
        // Version 0, then a topic count of two billion: refused, never allocated.
        assertThatThrownBy(() -> ConsumerProtocolBytes.assignment(new byte[] {0, 0, 0x7f, (byte) 0xff, (byte) 0xff, 0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("assignment (version 0) does not parse");
        byte[] truncated = Arrays.copyOf(array(ConsumerProtocol.serializeSubscription(
                new ConsumerPartitionAssignor.Subscription(List.of("orders")), (short) 1)), 6);
        assertThatThrownBy(() -> ConsumerProtocolBytes.subscription(truncated))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("subscription (version 1) does not parse");
    }

    private static byte[] array(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
