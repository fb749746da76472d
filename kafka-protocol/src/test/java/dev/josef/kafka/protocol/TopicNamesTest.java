package dev.josef.kafka.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicNamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"orders", "a", "Orders.v2_eu-west-1", "__consumer_offsets", "..."})
    void legalNamesPass(String name) {
        assertThat(TopicNames.validate(name)).isSameAs(name);
        assertThat(TopicNames.validate("x".repeat(TopicNames.MAX_LENGTH))).hasSize(249);
    }

    @Test
    void eachRuleIsNamed() {
        assertThatThrownBy(() -> TopicNames.validate(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("topic name");
        assertThatThrownBy(() -> TopicNames.validate("")).hasMessageContaining("must not be empty");
        assertThatThrownBy(() -> TopicNames.validate("..")).hasMessageContaining("cannot be '..'");
        assertThatThrownBy(() -> TopicNames.validate("x".repeat(250))).hasMessageContaining("the limit is 249");
        assertThatThrownBy(() -> TopicNames.validate("orders/eu"))
                .hasMessageContaining("has the character '/' at index 6");
        assertThatThrownBy(() -> TopicNames.validate("ordérs")).hasMessageContaining("character 'é'");
    }

    @Test
    void topicPartitionsChecksBothPartsAndSortsByTopicThenPartition() {
        assertThatThrownBy(() -> TopicPartition.of("bad name", 0)).hasMessageContaining("character ' '");
        assertThatThrownBy(() -> TopicPartition.of("orders", -1)).hasMessageContaining("must be at least 0, was -1");
        List<TopicPartition> partitions = new ArrayList<>(List.of(TopicPartition.of("b", 0), TopicPartition.of("a", 10),
                TopicPartition.of("a", 2)));
        Collections.sort(partitions);
        assertThat(partitions).extracting(TopicPartition::toString).containsExactly("a-2", "a-10", "b-0");
    }
}
