package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Bad input is refused at the call, before anything is sent. Nothing here needs a
 * broker: the admin client connects on first use, and no call below gets that far.
 */
class AdminArgumentsTest {
    private final Admin admin = Admin.create(Map.of("bootstrap.servers", "localhost:1", "client.id", "admin-args"));

    @AfterEach
    void close() {
        admin.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "has space", "slash/name", "ümlaut", "colon:name"})
    void illegalTopicNamesAreRefusedAtTheCall(String name) {
        assertThatThrownBy(() -> admin.createTopics(List.of(NewTopic.of(name, 1, 1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topic name");
        assertThatThrownBy(() -> admin.deleteTopics(List.of(name)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topic name");
        assertThatThrownBy(() -> admin.describeTopics(List.of(name)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topic name");
    }

    @Test
    void topicNamesMayBe249LegalCharactersButNotMore() {
        String longest = "a".repeat(249);
        assertThatNoException().isThrownBy(() -> NewTopic.of(longest, 1, 1));
        assertThatNoException().isThrownBy(() -> NewTopic.of("Az09._-", 1, 1));
        assertThatThrownBy(() -> NewTopic.of(longest + "a", 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("250").hasMessageContaining("249");
    }

    @Test
    void partitionCountsAndReplicationFactorsBelowOneAreRefused() {
        assertThatThrownBy(() -> NewTopic.of("t", 0, 1)).hasMessageContaining("partitions of topic 't' must be at least 1, was 0");
        assertThatThrownBy(() -> NewTopic.of("t", 1, 0)).hasMessageContaining("replication factor of topic 't' must be at least 1");
        assertThatThrownBy(() -> admin.createPartitions(Map.of("t", 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be at least 1, was 0");
        assertThat(NewTopic.withBrokerDefaults("t").partitions()).isEqualTo(NewTopic.BROKER_DEFAULT);
    }

    @Test
    void anAssignmentMustCoverPartitionsFromZeroWithoutGapsOrRepeatedBrokers() {
        assertThatThrownBy(() -> NewTopic.withAssignment("t", Map.of(0, List.of(1), 2, List.of(1))))
                .hasMessageContaining("partition 1 is missing");
        assertThatThrownBy(() -> NewTopic.withAssignment("t", Map.of(0, List.of(1, 1))))
                .hasMessageContaining("names broker 1 twice");
        assertThatThrownBy(() -> NewTopic.withAssignment("t", Map.of(0, List.of())))
                .hasMessageContaining("at least one replica");
        NewTopic ok = NewTopic.withAssignment("t", Map.of(1, List.of(2, 1), 0, List.of(1, 2)));
        assertThat(ok.assignment().keySet()).containsExactly(0, 1);
    }

    @Test
    void nullArgumentsAreRefusedWithTheirName() {
        assertThatThrownBy(() -> admin.createTopics(null)).isInstanceOf(NullPointerException.class).hasMessage("topics");
        assertThatThrownBy(() -> admin.createTopics(Arrays.asList(NewTopic.of("a", 1, 1), null)))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("null");
        assertThatThrownBy(() -> admin.listOffsets(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> admin.listOffsets(Map.of(TopicPartition.of("t", 0), OffsetSpec.latest()), null))
                .isInstanceOf(NullPointerException.class).hasMessage("isolationLevel");
        assertThatThrownBy(() -> admin.describeConfigs(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Admin.create((Map<String, ?>) null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aTopicGivenTwiceIsRefused() {
        assertThatThrownBy(() -> admin.createTopics(List.of(NewTopic.of("a", 1, 1), NewTopic.of("a", 2, 1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a' is given twice");
        assertThatThrownBy(() -> admin.deleteTopics(List.of("a", "a"))).hasMessageContaining("given twice");
    }

    @Test
    void offsetsAndPartitionsMustNotBeNegative() {
        assertThatThrownBy(() -> TopicPartition.of("t", -1)).hasMessageContaining("must be at least 0, was -1");
        assertThatThrownBy(() -> admin.deleteRecords(Map.of(TopicPartition.of("t", 0), -5L)))
                .hasMessageContaining("t-0").hasMessageContaining("was -5");
        assertThatThrownBy(() -> OffsetSpec.forTimestamp(-1)).hasMessageContaining("at least 0");
    }

    @Test
    void configChangesAreCheckedAtTheCall() {
        assertThatThrownBy(() -> AlterConfigOp.set("retention.ms", null)).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> new AlterConfigOp("retention.ms", AlterConfigOp.Type.DELETE, "1"))
                .hasMessageContaining("takes no value");
        assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(ConfigResource.topic("t"),
                List.of(AlterConfigOp.set("retention.ms", "1"), AlterConfigOp.delete("retention.ms")))))
                .hasMessageContaining("changes config 'retention.ms' twice");
        assertThatThrownBy(() -> new ConfigResource(ConfigResource.Type.BROKER, "one"))
                .hasMessageContaining("broker id");
        assertThatThrownBy(() -> ConfigResource.topic("bad name")).hasMessageContaining("topic name");
    }

    @Test
    void groupIdsMustBeGivenNotEmptyAndOnce() {
        assertThatThrownBy(() -> admin.describeGroups(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("groupIds");
        assertThatThrownBy(() -> admin.describeGroups(Arrays.asList("g", null)))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("null");
        assertThatThrownBy(() -> admin.deleteGroups(List.of("")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("a group id must not be empty");
        assertThatThrownBy(() -> admin.listGroupOffsets(List.of("g", "g")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("group g is given twice");
        assertThatThrownBy(() -> admin.alterGroupOffsets(null, Map.of(TopicPartition.of("t", 0), 1L)))
                .isInstanceOf(NullPointerException.class).hasMessage("groupId");
    }

    @Test
    void offsetChangesAreCheckedAtTheCall() {
        TopicPartition tp = TopicPartition.of("t", 0);
        assertThatThrownBy(() -> admin.alterGroupOffsets("g", Map.of(tp, -1L)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("offset for t-0 must be at least 0, was -1");
        assertThatThrownBy(() -> admin.alterGroupOffsets("g", Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("group 'g' name no partition");
        assertThatThrownBy(() -> admin.resetGroupOffsets("g", List.of(), OffsetReset.earliest()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("none given");
        assertThatThrownBy(() -> admin.resetGroupOffsets("g", List.of(tp, tp), OffsetReset.earliest()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("partition t-0 is given twice");
        assertThatThrownBy(() -> admin.resetGroupOffsets("g", List.of(tp), null))
                .isInstanceOf(NullPointerException.class).hasMessage("reset");
        assertThatThrownBy(() -> admin.deleteGroupOffsets("g", List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("none given");
        assertThatThrownBy(() -> OffsetReset.toOffset(-1)).hasMessage("offset must be at least 0, was -1");
        assertThatThrownBy(() -> OffsetReset.toTimestamp(-5)).hasMessageContaining("at least 0");
        assertThatThrownBy(() -> new OffsetReset(OffsetReset.Kind.LATEST, 3)).hasMessageContaining("takes no value");
        assertThat(OffsetReset.shiftBy(-10).value()).isEqualTo(-10);
    }

    @Test
    void staticMembersAndListFiltersAreCheckedAtTheCall() {
        assertThatThrownBy(() -> admin.removeStaticMembers("g", List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no group instance id");
        assertThatThrownBy(() -> admin.removeStaticMembers("g", List.of("")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("a group instance id must not be empty");
        assertThatThrownBy(() -> admin.removeStaticMembers("g", List.of("i", "i")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("group instance id i is given twice");
        assertThatThrownBy(() -> admin.listGroups(List.of(GroupType.UNKNOWN), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UNKNOWN");
        assertThatThrownBy(() -> admin.listGroups(List.of(), null)).isInstanceOf(NullPointerException.class)
                .hasMessage("states");
    }

    @Test
    void unknownPropertiesAreRefusedByName() {
        assertThatThrownBy(() -> Admin.create(Map.of("bootstrap.servers", "localhost:1", "acks", "all")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("acks");
    }

    @Test
    void closeIsIdempotentAndCallsAfterItAreRefused() {
        admin.close();
        admin.close();
        assertThatThrownBy(() -> admin.listTopics()).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> admin.describeCluster()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> admin.listGroups()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> admin.describeGroups(List.of("g"))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void emptyRequestsCompleteWithoutABroker() {
        assertThat(admin.createTopics(List.of()).join()).isEmpty();
        assertThat(admin.listOffsets(Map.of()).join()).isEmpty();
        assertThat(admin.incrementalAlterConfigs(Map.of()).join()).isEmpty();
        assertThat(admin.describeGroups(List.of()).join()).isEmpty();
        assertThat(admin.deleteGroups(List.of()).join()).isEmpty();
        assertThat(admin.listGroupOffsets(List.of()).join()).isEmpty();
    }
}
