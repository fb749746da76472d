package dev.josef.kafka.consumer.internal.balancer;

import dev.josef.kafka.consumer.spi.GroupBalancer;
import dev.josef.kafka.consumer.spi.GroupBalancer.Member;
import dev.josef.kafka.consumer.spi.GroupBalancer.Topic;
import dev.josef.kafka.protocol.TopicPartition;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.StickyAssignor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Josef's sticky balancers beside kafka-clients' on the same generations (Josef's
 * results fed back, kafka-clients reading the user data Josef's members write):
 * exact equality is not expected, as kafka-clients' choices follow its hash maps'
 * order, so this counts it, and holds Josef to keeping at least as much as
 * kafka-clients where both balance exactly (members subscribing to the same topics).
 */
class StickyParityTest {
    private static final int GROUPS = 300;
    private static final int GENERATIONS = 10;

    @Test
    void stickyKeepsAtLeastWhatKafkaClientsKeepsAndOftenAssignsTheSame() {
        Tally same = run(GroupBalancer.sticky(), StickyAssignor::new, true, false, 31);
        Tally different = run(GroupBalancer.sticky(), StickyAssignor::new, false, false, 32);
        System.out.println("sticky vs kafka-clients StickyAssignor: same topics " + same + "; different topics " + different);

        assertThat(same.keptLess).isZero();
        assertThat(same.equal).isGreaterThan(same.rebalances / 2);
    }

    @Test
    void cooperativeStickyKeepsAtLeastWhatKafkaClientsKeepsAndOftenAssignsTheSame() {
        Tally same = run(GroupBalancer.cooperativeSticky(), CooperativeStickyAssignor::new, true, true, 33);
        Tally different = run(GroupBalancer.cooperativeSticky(), CooperativeStickyAssignor::new, false, true, 34);
        System.out.println("cooperative-sticky vs kafka-clients CooperativeStickyAssignor: same topics " + same
            + "; different topics " + different);

        assertThat(same.keptLess).isZero();
        assertThat(same.equal).isGreaterThan(same.rebalances / 2);
    }

    private static final class Tally {
        int rebalances;
        int equal;
        int keptLess;
        int keptMore;
        int unevenJosef;
        int unevenKafka;

        @Override
        public String toString() {
            return rebalances + " rebalances, " + equal + " identical, Josef kept fewer partitions in " + keptLess
                + " and more in " + keptMore + ", one move could even out Josef's in " + unevenJosef
                + " and kafka-clients' in " + unevenKafka;
        }
    }

    private static Tally run(GroupBalancer ours, Supplier<ConsumerPartitionAssignor> theirs, boolean sameTopics,
                             boolean reportOwned, long seed) {
        Random random = new Random(seed);
        Tally tally = new Tally();
        for (int g = 0; g < GROUPS; g++) {
            Rebalances group = new Rebalances(random, sameTopics, g % 3 == 0);
            for (int gen = 0; gen < GENERATIONS; gen++) {
                group.change();
                Map<String, Member> members = group.members(ours, reportOwned);
                Map<String, Topic> topics = group.topics();
                Map<String, Set<TopicPartition>> before = group.stillValid();
                Map<String, List<TopicPartition>> josef = Group.sorted(ours.assign(members, topics));
                Map<String, List<TopicPartition>> kafka = Group.of(topics, members).kafkaAssign(theirs.get());

                tally.rebalances++;
                if (josef.equals(kafka)) {
                    tally.equal++;
                }
                int keptJosef = Rebalances.retained(josef, before);
                int keptKafka = Rebalances.retained(kafka, before);
                if (keptJosef < keptKafka) {
                    tally.keptLess++;
                } else if (keptJosef > keptKafka) {
                    tally.keptMore++;
                }
                if (Rebalances.evenableByOneMove(members, josef).isPresent()) {
                    tally.unevenJosef++;
                }
                if (Rebalances.evenableByOneMove(members, kafka).isPresent()) {
                    tally.unevenKafka++;
                }
                group.adopt(josef);
            }
        }
        return tally;
    }
}
