package dev.josef.kafka.protocol.message;

import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.protocol.Readable;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Josef against kafka-clients 4.3.1, the reference encoder: for random instances
 * of every message at every version, kafka-clients decodes Josef's bytes and
 * encodes them again to the very same bytes, and Josef decodes kafka-clients'
 * bytes back to an equal message. Together: both sides encode these values
 * identically and each reads the other.
 */
class KafkaClientsInteropTest {
    private static final int INSTANCES_PER_VERSION = 30;

    @TestFactory
    List<DynamicTest> everyMessageAtEveryVersionIsByteIdenticalToKafkaClients() {
        List<DynamicTest> tests = new ArrayList<>();
        for (RandomMessages.Spec spec : RandomMessages.SPECS) {
            tests.add(DynamicTest.dynamicTest(spec.name(), () -> checkSpec(spec)));
        }
        return tests;
    }

    @Test
    void specsWithoutVersionsAreOnlyTheRemovedZooKeeperApis() {
        assertThat(RandomMessages.SPECS).hasSize(190);
        assertThat(RandomMessages.SKIPPED).containsExactlyInAnyOrder(
                "ControlledShutdownRequest", "ControlledShutdownResponse",
                "LeaderAndIsrRequest", "LeaderAndIsrResponse",
                "StopReplicaRequest", "StopReplicaResponse",
                "UpdateMetadataRequest", "UpdateMetadataResponse");
    }

    private static void checkSpec(RandomMessages.Spec spec) throws Exception {
        Constructor<?> kafkaReader = Class.forName("org.apache.kafka.common.message." + spec.kafkaClassName())
                .getConstructor(Readable.class, short.class);
        Random random = new Random(spec.name().hashCode());
        for (short version = spec.lowestVersion(); version <= spec.highestVersion(); version++) {
            for (int i = 0; i < INSTANCES_PER_VERSION; i++) {
                Message josef = RandomMessages.random(spec.name(), version, random);
                String where = spec.name() + " v" + version + " instance " + i + ": " + josef;

                ByteBuffer josefBytes = josef.toByteBuffer(version);
                assertThat(josefBytes.remaining()).as("size() of " + where).isEqualTo(josef.size(version));

                org.apache.kafka.common.protocol.Message kafka;
                try {
                    kafka = (org.apache.kafka.common.protocol.Message)
                            kafkaReader.newInstance(new ByteBufferAccessor(josefBytes.duplicate()), version);
                } catch (InvocationTargetException e) {
                    throw new AssertionError("kafka-clients cannot read Josef's " + where, e.getCause());
                }
                ByteBuffer kafkaBytes = MessageUtil.toByteBufferAccessor(kafka, version).buffer();
                if (kafkaBytes.position() != 0) {
                    kafkaBytes.flip();
                }
                assertThat(toArray(kafkaBytes)).as("kafka-clients' encoding of " + where)
                        .isEqualTo(toArray(josefBytes));

                Message back = RandomMessages.read(spec.name(), kafkaBytes.duplicate(), version);
                assertThat(back).as("Josef's decoding of kafka-clients' bytes for " + where).isEqualTo(josef);
            }
        }
    }

    private static byte[] toArray(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
