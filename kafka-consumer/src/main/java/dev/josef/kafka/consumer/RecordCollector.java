package dev.josef.kafka.consumer;

import dev.josef.kafka.protocol.KafkaException;
import dev.josef.kafka.protocol.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Hands records to {@link Consumer#poll}: takes buffered fetches, decodes them
 * outside the consumer's lock, moves positions, and files what partitions met.
 *
 * <p>Threads: the polling thread only (the consumer lets one thread poll at a
 * time), so {@link #decodeBuffers} needs no guard; everything of the fetcher's
 * is touched under its lock, which {@link #collect} is called with and returns with.
 */
final class RecordCollector {
    private static final Logger LOG = LoggerFactory.getLogger(RecordCollector.class);

    private final Fetcher fetcher;
    private final ConsumerConfig config;
    private final String clientId;
    private final DecodeBuffers decodeBuffers = new DecodeBuffers();

    RecordCollector(Fetcher fetcher, ConsumerConfig config, String clientId) {
        this.fetcher = fetcher;
        this.config = config;
        this.clientId = clientId;
    }

    /** Decodes buffered fetches into {@code records}, up to {@code room}; how many it added. */
    int collect(int room, Map<TopicPartition, List<ConsumerRecord>> records, Map<TopicPartition, KafkaException> errors) {
        int added = 0;
        while (added < room) {
            CompletedFetch f = fetcher.buffer.takeNext(fetcher.partitions, errors);
            if (f == null) {
                break;
            }
            List<ConsumerRecord> got = new ArrayList<>(Math.min(room - added, 512));
            CompletedFetch.Problem problem = null;
            RuntimeException failure = null;
            fetcher.lock.unlock();
            try {
                problem = f.drain(room - added, got, config.batchCorruptionHandler(), fetcher.hooks(), decodeBuffers);
            } catch (RuntimeException e) {
                failure = e;
            } finally {
                fetcher.lock.lock();
            }
            PartitionState s = f.state;
            if (fetcher.partitions.get(s.partition) != s || s.generation != f.generation) {
                fetcher.released(f); // sought or unassigned while decoding: what was read is void
                continue;
            }
            if (failure != null) {
                // A decoding bug must not take the consumer down: the partition stops with the error.
                LOG.error("consumer {}: reading {} failed", clientId, s.partition, failure);
                problem = new CompletedFetch.Problem(new KafkaException(s.partition + ": reading fetched records at "
                        + "offset " + f.nextOffset + " failed: " + failure, failure), true);
            }
            if (!got.isEmpty()) {
                records.computeIfAbsent(s.partition, k -> new ArrayList<>()).addAll(got);
                added += got.size();
            }
            s.position = f.nextOffset;
            s.positionEpoch = f.nextOffsetEpoch;
            if (problem != null) {
                errors.put(s.partition, problem.error());
                if (problem.stop()) {
                    s.stop();
                    fetcher.released(f);
                    fetcher.dropVoidedFetches();
                    continue;
                }
            }
            if (f.done) {
                fetcher.released(f);
                if (f.fetchEnd >= 0 && f.nextOffset != f.fetchEnd) {
                    // The fetch ended elsewhere than its headers said (a corrupt batch, once its checksum was
                    // checked): what was fetched from there on is void, and fetching goes on from the position.
                    s.dropFetchedAhead();
                    fetcher.dropVoidedFetches();
                }
                fetcher.drainedTo(s);
            } else {
                fetcher.buffer.putBack(f);
                if (problem != null) {
                    break; // the rest of this fetch comes with the next poll, after the error
                }
            }
        }
        return added;
    }
}
