package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.Uuid;

import java.util.List;

/**
 * A topic as a broker's metadata describes it. When {@link #error()} is not NONE
 * (UNKNOWN_TOPIC_OR_PARTITION, say) only the name means anything.
 *
 * @param partitions by index, from 0
 */
public record TopicDescription(String name, Uuid topicId, boolean internal, List<PartitionDescription> partitions,
                               ErrorCode error, String errorMessage) implements Outcome {

    public TopicDescription {
        partitions = List.copyOf(partitions);
    }

    /**
     * One partition of a topic.
     *
     * @param leader          the leader's broker id, or -1 when there is none
     * @param replicas        broker ids of the replicas, preferred leader first
     * @param isr             broker ids of the in-sync replicas
     * @param offlineReplicas broker ids of replicas that are offline
     * @param error           a partition-level error, such as LEADER_NOT_AVAILABLE
     */
    public record PartitionDescription(int partition, int leader, int leaderEpoch, List<Integer> replicas,
                                       List<Integer> isr, List<Integer> offlineReplicas, ErrorCode error) {
        public PartitionDescription {
            replicas = List.copyOf(replicas);
            isr = List.copyOf(isr);
            offlineReplicas = List.copyOf(offlineReplicas);
        }
    }
}
