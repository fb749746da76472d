package dev.josef.kafka.protocol.message;

import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ProtocolException;
import dev.josef.kafka.protocol.Uuid;
import dev.josef.kafka.protocol.UnsupportedVersionException;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MessageRoundTripTest {

    @TestFactory
    List<DynamicTest> everyMessageRoundTripsAtEveryVersion() {
        List<DynamicTest> tests = new ArrayList<>();
        for (RandomMessages.Spec spec : RandomMessages.SPECS) {
            for (short v = spec.lowestVersion(); v <= spec.highestVersion(); v++) {
                short version = v;
                tests.add(DynamicTest.dynamicTest(spec.name() + " v" + version, () -> {
                    Random random = new Random(31L * spec.name().hashCode() + version);
                    for (int i = 0; i < 20; i++) {
                        Message message = RandomMessages.random(spec.name(), version, random);
                        ByteBuffer bytes = message.toByteBuffer(version);
                        assertThat(bytes.remaining()).isEqualTo(message.size(version));
                        Message back = RandomMessages.read(spec.name(), bytes, version);
                        assertThat(back).isEqualTo(message);
                        assertThat(back.hashCode()).isEqualTo(message.hashCode());
                        assertThat(bytes.hasRemaining()).as("bytes left after reading").isFalse();
                    }
                }));
            }
        }
        return tests;
    }

    @Test
    void everyApiKeyHasARequestAndAResponseOfItsOwnKey() {
        assertThat(ApiKey.values()).hasSize(89); // 93 in the specs, less the 4 removed ZooKeeper-era APIs
        for (ApiKey key : ApiKey.values()) {
            assertThat(ApiMessages.newRequest(key).apiKey()).isEqualTo(key);
            assertThat(ApiMessages.newResponse(key).apiKey()).isEqualTo(key);
            assertThat(ApiKey.forId(key.id())).isSameAs(key);
            assertThat(key.latestStableVersion()).isBetween(key.lowestVersion(), key.highestVersion());
        }
        assertThat(ApiKey.PRODUCE.id()).isEqualTo((short) 0);
        assertThat(ApiKey.PRODUCE.lowestVersion()).isEqualTo((short) 3);
        assertThat(ApiKey.PRODUCE.isFlexible((short) 9)).isTrue();
        assertThat(ApiKey.PRODUCE.isFlexible((short) 8)).isFalse();
        assertThat(ApiKey.API_VERSIONS.responseHeaderVersion((short) 4)).isZero();
        assertThat(ApiKey.FETCH.responseHeaderVersion((short) 12)).isEqualTo((short) 1);
        assertThat(ApiKey.FETCH.requestHeaderVersion((short) 12)).isEqualTo((short) 2);
        assertThatThrownBy(() -> ApiKey.forId(4)).hasMessageContaining("unknown API key 4");
    }

    @Test
    void writingAtAVersionOutsideTheRangeIsRefused() {
        ProduceRequest request = new ProduceRequest();
        assertThatThrownBy(() -> request.toByteBuffer((short) 2))
                .isInstanceOf(UnsupportedVersionException.class)
                .hasMessageContaining("ProduceRequest cannot be written at version 2; its versions are 3-13");
    }

    @Test
    void aNonDefaultValueThatAVersionCannotCarryIsRefusedUnlessIgnorable() {
        MetadataRequest request = new MetadataRequest().setAllowAutoTopicCreation(false);
        assertThatThrownBy(() -> request.toByteBuffer((short) 3))
                .isInstanceOf(UnsupportedVersionException.class)
                .hasMessageContaining("MetadataRequest.allowAutoTopicCreation")
                .hasMessageContaining("version 3");
        // The default is fine at every version.
        assertThat(new MetadataRequest().toByteBuffer((short) 3).remaining()).isPositive();

        // TopicProduceData.name is ignorable: from v13 topics go by id, and the name is dropped.
        ProduceRequest produce = new ProduceRequest();
        Uuid id = new Uuid(1, 2);
        produce.topicData().add(new ProduceRequest.TopicProduceData().setName("orders").setTopicId(id));
        ProduceRequest back = ProduceRequest.read(produce.toByteBuffer((short) 13), (short) 13);
        assertThat(back.topicData().get(0).name()).isEmpty();
        assertThat(back.topicDataByTopicId(id)).isNotNull();
    }

    @Test
    void nullInANonNullableFieldIsRefusedWithTheFieldName() {
        ProduceRequest request = new ProduceRequest().setTopicData(null);
        assertThatThrownBy(() -> request.toByteBuffer((short) 9))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("ProduceRequest.topicData");
    }

    @Test
    void aClassicStringLongerThan32767BytesIsRefused() {
        MetadataRequest request = new MetadataRequest();
        request.topics().add(new MetadataRequest.MetadataRequestTopic().setName("x".repeat(40_000)));
        assertThatThrownBy(() -> request.toByteBuffer((short) 8))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MetadataRequest.MetadataRequestTopic.name is 40000 bytes");
        // Compact strings (flexible versions) carry it.
        MetadataRequest back = MetadataRequest.read(request.toByteBuffer((short) 12), (short) 12);
        assertThat(back.topics().get(0).name()).hasSize(40_000);
    }

    @Test
    void unknownTaggedFieldsAreKeptAndWrittenBackInTagOrder() {
        ApiVersionsResponse response = new ApiVersionsResponse()
                .setUnknownTaggedFields(List.of(new RawTaggedField(5, new byte[] {1, 2}), new RawTaggedField(900, new byte[0])));
        response.setSupportedFeatures(List.of(new ApiVersionsResponse.SupportedFeatureKey().setName("kraft.version")));
        ByteBuffer bytes = response.toByteBuffer((short) 3);
        ApiVersionsResponse back = ApiVersionsResponse.read(bytes.duplicate(), (short) 3);
        assertThat(back.unknownTaggedFields()).containsExactly(
                new RawTaggedField(5, new byte[] {1, 2}), new RawTaggedField(900, new byte[0]));
        assertThat(back.supportedFeatures()).hasSize(1);
        assertThat(back.toByteBuffer((short) 3)).isEqualTo(bytes);
    }

    @Test
    void recordsAreAZeroCopySliceOfTheFrame() {
        byte[] payload = {9, 8, 7, 6};
        ProduceRequest request = new ProduceRequest();
        request.topicData().add(new ProduceRequest.TopicProduceData().setName("t")
                .setPartitionData(List.of(new ProduceRequest.PartitionProduceData().setIndex(0)
                        .setRecords(ByteBuffer.wrap(payload)))));
        // v8 is the last classic version: the records are the frame's last bytes.
        ByteBuffer frame = request.toByteBuffer((short) 8);
        ProduceRequest back = ProduceRequest.read(frame, (short) 8);
        ByteBuffer records = back.topicData().get(0).partitionData().get(0).records();
        assertThat(records.isReadOnly()).isTrue();
        byte[] read = new byte[records.remaining()];
        records.duplicate().get(read);
        assertThat(read).containsExactly(payload);
        // Shares the frame's memory: a change to the frame shows through the slice.
        frame.put(frame.limit() - 2, (byte) 42);
        assertThat(records.get(2)).isEqualTo((byte) 42);
    }

    @Test
    void readingMoreElementsThanTheBytesCanHoldFailsBeforeAllocating() {
        ByteBuffer frame = ByteBuffer.allocate(8);
        frame.putShort((short) -1); // transactionalId null (v3..8 classic)
        frame.putShort((short) 1);  // acks
        frame.putInt(0);            // timeout, then the topic count is missing
        frame.flip();
        assertThatThrownBy(() -> ProduceRequest.read(frame, (short) 3))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("truncated data");
        ByteBuffer huge = ByteBuffer.allocate(12).putShort((short) -1).putShort((short) 1).putInt(0).putInt(Integer.MAX_VALUE).flip();
        assertThatThrownBy(() -> ProduceRequest.read(huge, (short) 3))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("ProduceRequest.topicData: array of 2147483647 elements");
    }
}
