package dev.josef.kafka.admin;

import dev.josef.kafka.protocol.IsolationLevel;
import dev.josef.kafka.net.Cluster;
import dev.josef.kafka.net.NetworkConfig;
import dev.josef.kafka.net.internal.Backoff;
import dev.josef.kafka.net.internal.ChannelKind;
import dev.josef.kafka.net.internal.ClusterAccess;
import dev.josef.kafka.net.internal.ClusterMetadata;
import dev.josef.kafka.net.internal.EngineConfigs;
import dev.josef.kafka.net.internal.NetworkClient;
import dev.josef.kafka.protocol.ApiKey;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicNames;
import dev.josef.kafka.protocol.TopicPartition;
import dev.josef.kafka.protocol.Uuid;
import dev.josef.kafka.protocol.message.ApiMessage;
import dev.josef.kafka.protocol.message.CreatePartitionsRequest;
import dev.josef.kafka.protocol.message.CreatePartitionsResponse;
import dev.josef.kafka.protocol.message.CreateTopicsRequest;
import dev.josef.kafka.protocol.message.CreateTopicsResponse;
import dev.josef.kafka.protocol.message.DeleteRecordsRequest;
import dev.josef.kafka.protocol.message.DeleteRecordsResponse;
import dev.josef.kafka.protocol.message.DeleteTopicsRequest;
import dev.josef.kafka.protocol.message.DeleteTopicsResponse;
import dev.josef.kafka.protocol.message.DescribeClusterRequest;
import dev.josef.kafka.protocol.message.DescribeClusterResponse;
import dev.josef.kafka.protocol.message.DescribeConfigsRequest;
import dev.josef.kafka.protocol.message.DescribeConfigsResponse;
import dev.josef.kafka.protocol.message.IncrementalAlterConfigsRequest;
import dev.josef.kafka.protocol.message.IncrementalAlterConfigsResponse;
import dev.josef.kafka.protocol.message.ListOffsetsRequest;
import dev.josef.kafka.protocol.message.ListOffsetsResponse;
import dev.josef.kafka.protocol.message.MetadataRequest;
import dev.josef.kafka.protocol.message.MetadataResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * Admin operations on a Kafka cluster: topics, partitions, offsets, records,
 * configs and groups.
 *
 * <h2>Results and errors</h2>
 * Every operation returns a {@link CompletableFuture}. The broker answers each
 * item of a request (a topic, a partition, a config resource) on its own, so
 * results are maps from item to an {@link Outcome} that carries the broker's
 * {@link ErrorCode} and message for that item: one topic that already exists
 * does not hide the others that were created. The whole future fails only when
 * the request as a whole fails: a lost connection ({@code NetworkException}),
 * no answer in time ({@code RequestTimeoutException}), a request-level broker
 * error, or use after {@link #close()}. Result maps keep the order of the
 * arguments and are immutable.
 *
 * <p>Bad input is refused at the call, before anything is sent: null arguments
 * ({@code NullPointerException}), illegal topic names, partition counts below 1
 * and the like ({@code IllegalArgumentException} naming the item and the rule).
 *
 * <h2>Routing and retries</h2>
 * Group operations go to each group's coordinator, found with FindCoordinator
 * and remembered; a coordinator that moved (NOT_COORDINATOR,
 * COORDINATOR_NOT_AVAILABLE), is still loading (COORDINATOR_LOAD_IN_PROGRESS) or
 * cannot be reached is looked up again after the same backoff, five times in
 * all, before the group's error is reported; {@link #listGroups} asks every
 * broker, as each lists only the groups it coordinates.
 *
 * <p>Partition operations ({@link #listOffsets}, {@link #deleteRecords}) go to each
 * partition's leader, one request per leader, from freshly refreshed metadata.
 * A partition that answers with a retriable error (NOT_LEADER_OR_FOLLOWER, or
 * UNKNOWN_TOPIC_OR_PARTITION while a new topic spreads to the brokers) is tried
 * again after a refresh and a backoff ({@code retry.backoff.ms}, doubling), five
 * times in all, before its error is reported: a partition that does not exist
 * takes a second or two to be reported. Topic and config operations go to any broker (which
 * forwards to the controller), broker configs to that broker; they are not
 * retried.
 *
 * <h2>Threads</h2>
 * Admin starts no threads of its own; it uses those of its network engine.
 * Futures complete on the engine's callback thread, so stages chained with the
 * non-async {@code then...} methods run there too: keep them short, or use the
 * {@code ...Async} variants. Admin is safe to share between threads: its
 * fields are final and thread-safe, and {@code closed} is an atomic flag.
 */
public final class Admin implements AutoCloseable {
    /** Attempts for a partition whose leader answers with a retriable error. */
    static final int PARTITION_ATTEMPTS = 5;

    private static final Logger LOG = LoggerFactory.getLogger(Admin.class);

    private final NetworkClient client;
    /** How long a broker may wait for a change to complete (CreateTopics and friends' timeoutMs). */
    private final int brokerTimeoutMs;
    private final long retryBackoffMillis;
    private final long retryBackoffMaxMillis;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** False on a shared {@link Cluster}, whose owner closes it. */
    private final boolean ownsClient;
    private final GroupAdmin groups;

    private Admin(NetworkConfig config, NetworkClient client, boolean ownsClient) {
        this.client = client;
        this.ownsClient = ownsClient;
        // Shorter than the request timeout, so the broker's own answer (REQUEST_TIMED_OUT
        // for the topic) comes before the client gives up on the whole request.
        this.brokerTimeoutMs = (int) Math.min(Integer.MAX_VALUE, Math.max(1, config.requestTimeout().toMillis() * 3 / 4));
        this.retryBackoffMillis = Math.max(1, config.retryBackoff().toMillis());
        this.retryBackoffMaxMillis = Math.max(retryBackoffMillis, config.retryBackoffMax().toMillis());
        this.groups = new GroupAdmin(this, client, retryBackoffMillis, retryBackoffMaxMillis, closed::get);
    }

    /** An admin client for the cluster {@code config} names. Connections are made on first use. */
    public static Admin create(NetworkConfig config) {
        Objects.requireNonNull(config, "config");
        return new Admin(config, NetworkClient.open(EngineConfigs.from(config,
                dev.josef.kafka.net.internal.JosefThreads.clientId(config.clientId(), "adminclient"))), true);
    }

    /** An admin client on a shared cluster connection; closing the admin leaves the cluster open. */
    public static Admin create(Cluster cluster) {
        Objects.requireNonNull(cluster, "cluster");
        return new Admin(cluster.config(), ClusterAccess.engine(cluster), false);
    }

    /**
     * An admin client from kafka-clients property names ({@code bootstrap.servers},
     * {@code security.protocol}, {@code sasl.jaas.config}, ...): the names of
     * {@link NetworkConfig#PROPERTY_NAMES}.
     *
     * @throws IllegalArgumentException naming the property for an unknown name or a bad value
     */
    public static Admin create(Map<String, ?> kafkaClientsProperties) {
        Objects.requireNonNull(kafkaClientsProperties, "kafkaClientsProperties");
        return create(NetworkConfig.fromProperties(kafkaClientsProperties));
    }

    // ---------------------------------------------------------------- topics

    /** As {@link #createTopics(Collection, boolean)}, creating them for real. */
    public CompletableFuture<Map<String, CreateTopicResult>> createTopics(Collection<NewTopic> topics) {
        return createTopics(topics, false);
    }

    /**
     * Creates topics. Each topic's result says whether it was created, with the
     * broker's error otherwise (TOPIC_ALREADY_EXISTS, INVALID_REPLICATION_FACTOR,
     * INVALID_CONFIG, ...). A topic is created when the controller has committed it;
     * brokers may take a moment more to know it.
     *
     * @param validateOnly only check that the topics could be created, and report what they would be
     * @throws IllegalArgumentException when a name appears twice
     */
    public CompletableFuture<Map<String, CreateTopicResult>> createTopics(Collection<NewTopic> topics, boolean validateOnly) {
        List<NewTopic> list = nonNullItems(topics, "topics");
        Set<String> names = new HashSet<>();
        for (NewTopic t : list) {
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("topic '" + t.name() + "' is given twice");
            }
        }
        ensureOpen();
        if (list.isEmpty()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        CreateTopicsRequest request = new CreateTopicsRequest().setTimeoutMs(brokerTimeoutMs).setValidateOnly(validateOnly);
        for (NewTopic t : list) {
            CreateTopicsRequest.CreatableTopic creatable = new CreateTopicsRequest.CreatableTopic()
                    .setName(t.name())
                    .setNumPartitions(t.partitions())
                    .setReplicationFactor(t.replicationFactor());
            t.assignment().forEach((partition, replicas) -> creatable.assignments().add(
                    new CreateTopicsRequest.CreatableReplicaAssignment()
                            .setPartitionIndex(partition).setBrokerIds(new ArrayList<>(replicas))));
            t.configs().forEach((name, value) -> creatable.configs().add(
                    new CreateTopicsRequest.CreatableTopicConfig().setName(name).setValue(value)));
            request.topics().add(creatable);
        }
        return call(NetworkClient.ANY_BROKER, request).thenApply(response -> {
            Map<String, CreateTopicResult> byName = new HashMap<>();
            for (CreateTopicsResponse.CreatableTopicResult r : ((CreateTopicsResponse) response).topics()) {
                Map<String, String> configs = new HashMap<>();
                if (r.configs() != null) {
                    r.configs().forEach(c -> configs.put(c.name(), c.value()));
                }
                byName.put(r.name(), new CreateTopicResult(r.name(), r.topicId() == null ? Uuid.ZERO : r.topicId(),
                        r.numPartitions(), r.replicationFactor(), configs, ErrorCode.forCode(r.errorCode()),
                        r.errorMessage()));
            }
            return inOrder(names(list), byName, name -> new CreateTopicResult(name, Uuid.ZERO, -1, (short) -1, Map.of(),
                    ErrorCode.UNKNOWN_SERVER_ERROR, NO_ANSWER));
        });
    }

    /**
     * Deletes topics by name. Each topic's result says whether it was deleted, with
     * the broker's error otherwise (UNKNOWN_TOPIC_OR_PARTITION, ...).
     */
    public CompletableFuture<Map<String, TopicOutcome>> deleteTopics(Collection<String> topics) {
        List<String> names = topicNames(topics);
        ensureOpen();
        if (names.isEmpty()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        // v6 (KIP-516) names topics in DeleteTopicState, which may carry an id instead.
        IntFunction<ApiMessage> body = version -> {
            DeleteTopicsRequest request = new DeleteTopicsRequest().setTimeoutMs(brokerTimeoutMs);
            if (version >= 6) {
                names.forEach(n -> request.topics().add(new DeleteTopicsRequest.DeleteTopicState().setName(n)));
            } else {
                request.setTopicNames(new ArrayList<>(names));
            }
            return request;
        };
        return call(NetworkClient.ANY_BROKER, ApiKey.DELETE_TOPICS, body).thenApply(response -> {
            Map<String, TopicOutcome> byName = new HashMap<>();
            for (DeleteTopicsResponse.DeletableTopicResult r : ((DeleteTopicsResponse) response).responses()) {
                byName.put(r.name(), new TopicOutcome(r.name(), ErrorCode.forCode(r.errorCode()), r.errorMessage()));
            }
            return inOrder(names, byName, name -> new TopicOutcome(name, ErrorCode.UNKNOWN_SERVER_ERROR, NO_ANSWER));
        });
    }

    /** The names of the cluster's topics, internal ones ({@code __consumer_offsets}, ...) left out. */
    public CompletableFuture<Set<String>> listTopics() {
        return listTopics(false);
    }

    /** The names of the cluster's topics, sorted; internal ones only when {@code includeInternal}. */
    public CompletableFuture<Set<String>> listTopics(boolean includeInternal) {
        ensureOpen();
        // A null topic list asks for every topic.
        MetadataRequest request = new MetadataRequest().setTopics(null).setAllowAutoTopicCreation(false);
        return call(NetworkClient.ANY_BROKER, request).thenApply(response -> {
            Set<String> names = new TreeSet<>();
            for (MetadataResponse.MetadataResponseTopic t : ((MetadataResponse) response).topics()) {
                if (t.name() != null && (includeInternal || !t.isInternal())) {
                    names.add(t.name());
                }
            }
            return Collections.unmodifiableSet(names);
        });
    }

    /**
     * Describes topics: id, whether internal, and each partition's leader, leader
     * epoch, replicas and in-sync replicas, as one broker's metadata has them. An
     * unknown topic's description carries UNKNOWN_TOPIC_OR_PARTITION.
     */
    public CompletableFuture<Map<String, TopicDescription>> describeTopics(Collection<String> topics) {
        List<String> names = topicNames(topics);
        ensureOpen();
        if (names.isEmpty()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        MetadataRequest request = new MetadataRequest().setAllowAutoTopicCreation(false);
        names.forEach(n -> request.topics().add(new MetadataRequest.MetadataRequestTopic().setName(n)));
        return call(NetworkClient.ANY_BROKER, request).thenApply(response -> {
            Map<String, TopicDescription> byName = new HashMap<>();
            for (MetadataResponse.MetadataResponseTopic t : ((MetadataResponse) response).topics()) {
                if (t.name() == null) {
                    continue;
                }
                List<TopicDescription.PartitionDescription> partitions = t.partitions().stream()
                        .map(p -> new TopicDescription.PartitionDescription(p.partitionIndex(), p.leaderId(),
                                p.leaderEpoch(), p.replicaNodes(), p.isrNodes(),
                                p.offlineReplicas() == null ? List.of() : p.offlineReplicas(),
                                ErrorCode.forCode(p.errorCode())))
                        .sorted(java.util.Comparator.comparingInt(TopicDescription.PartitionDescription::partition))
                        .toList();
                ErrorCode error = ErrorCode.forCode(t.errorCode());
                byName.put(t.name(), new TopicDescription(t.name(), t.topicId() == null ? Uuid.ZERO : t.topicId(),
                        t.isInternal(), partitions, error, null));
            }
            return inOrder(names, byName, name -> new TopicDescription(name, Uuid.ZERO, false, List.of(),
                    ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "the broker did not describe this topic"));
        });
    }

    /** The configs of topics, by topic name; see {@link #describeConfigs}. */
    public CompletableFuture<Map<String, ResourceConfigs>> describeTopicConfigs(Collection<String> topics) {
        List<String> names = topicNames(topics);
        List<ConfigResource> resources = names.stream().map(ConfigResource::topic).toList();
        return describeConfigs(resources).thenApply(byResource -> {
            Map<String, ResourceConfigs> byName = new LinkedHashMap<>();
            byResource.forEach((resource, configs) -> byName.put(resource.name(), configs));
            return Collections.unmodifiableMap(byName);
        });
    }

    /** As {@link #createPartitions(Map, boolean)}, adding them for real. */
    public CompletableFuture<Map<String, TopicOutcome>> createPartitions(Map<String, Integer> newTotalCounts) {
        return createPartitions(newTotalCounts, false);
    }

    /**
     * Raises topics' partition counts to the totals given, the controller placing
     * the new replicas. A count at or below the current one is reported per topic
     * (INVALID_PARTITIONS). Adding partitions changes which partition a key maps to.
     *
     * @param newTotalCounts topic name to the partition count it should have, at least 1
     */
    public CompletableFuture<Map<String, TopicOutcome>> createPartitions(Map<String, Integer> newTotalCounts,
                                                                         boolean validateOnly) {
        Objects.requireNonNull(newTotalCounts, "newTotalCounts");
        Map<String, Integer> counts = new LinkedHashMap<>();
        newTotalCounts.forEach((topic, count) -> {
            TopicNames.validate(topic);
            Objects.requireNonNull(count, () -> "partition count of topic '" + topic + "'");
            if (count < 1) {
                throw new IllegalArgumentException("partition count of topic '" + topic + "' must be at least 1, was " + count);
            }
            counts.put(topic, count);
        });
        ensureOpen();
        if (counts.isEmpty()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        CreatePartitionsRequest request = new CreatePartitionsRequest().setTimeoutMs(brokerTimeoutMs)
                .setValidateOnly(validateOnly);
        // A null assignment leaves the placement to the controller.
        counts.forEach((topic, count) -> request.topics().add(new CreatePartitionsRequest.CreatePartitionsTopic()
                .setName(topic).setCount(count).setAssignments(null)));
        return call(NetworkClient.ANY_BROKER, request).thenApply(response -> {
            Map<String, TopicOutcome> byName = new HashMap<>();
            for (CreatePartitionsResponse.CreatePartitionsTopicResult r : ((CreatePartitionsResponse) response).results()) {
                byName.put(r.name(), new TopicOutcome(r.name(), ErrorCode.forCode(r.errorCode()), r.errorMessage()));
            }
            return inOrder(List.copyOf(counts.keySet()), byName,
                    name -> new TopicOutcome(name, ErrorCode.UNKNOWN_SERVER_ERROR, NO_ANSWER));
        });
    }

    // --------------------------------------------------------------- cluster

    /**
     * The cluster id, the controller id clients are shown, and the brokers with
     * their racks. A request-level error fails the future.
     */
    public CompletableFuture<ClusterDescription> describeCluster() {
        ensureOpen();
        return call(NetworkClient.ANY_BROKER, new DescribeClusterRequest()).thenCompose(response -> {
            DescribeClusterResponse r = (DescribeClusterResponse) response;
            if (r.errorCode() != ErrorCode.NONE.code()) {
                return CompletableFuture.failedFuture(ErrorCode.exception(r.errorCode(),
                        "describe cluster" + (r.errorMessage() == null ? "" : ": " + r.errorMessage())));
            }
            List<ClusterDescription.Broker> brokers = r.brokers().stream()
                    .map(b -> new ClusterDescription.Broker(b.brokerId(), b.host(), b.port(), Optional.ofNullable(b.rack())))
                    .sorted(java.util.Comparator.comparingInt(ClusterDescription.Broker::id))
                    .toList();
            return CompletableFuture.completedFuture(new ClusterDescription(r.clusterId(), r.controllerId(), brokers));
        });
    }

    // ------------------------------------------------------ offsets, records

    /** As {@link #listOffsets(Map, IsolationLevel)} with {@link IsolationLevel#READ_UNCOMMITTED}. */
    public CompletableFuture<Map<TopicPartition, ListedOffset>> listOffsets(Map<TopicPartition, OffsetSpec> partitions) {
        return listOffsets(partitions, IsolationLevel.READ_UNCOMMITTED);
    }

    /**
     * Looks up offsets of partitions (earliest, latest, the record with the largest
     * timestamp, or the first at or after a time), asking each partition's leader.
     */
    public CompletableFuture<Map<TopicPartition, ListedOffset>> listOffsets(Map<TopicPartition, OffsetSpec> partitions,
                                                                            IsolationLevel isolationLevel) {
        Map<TopicPartition, OffsetSpec> wanted = nonNullEntries(partitions, "partitions");
        Objects.requireNonNull(isolationLevel, "isolationLevel");
        ensureOpen();
        PartitionCall<OffsetSpec, ListedOffset> send = (leader, batch) -> {
            ListOffsetsRequest request = new ListOffsetsRequest().setReplicaId(-1).setIsolationLevel(isolationLevel.id())
                    .setTimeoutMs(brokerTimeoutMs);
            byTopic(batch).forEach((topic, specs) -> {
                ListOffsetsRequest.ListOffsetsTopic t = new ListOffsetsRequest.ListOffsetsTopic().setName(topic);
                specs.forEach((partition, spec) -> t.partitions().add(new ListOffsetsRequest.ListOffsetsPartition()
                        .setPartitionIndex(partition).setTimestamp(spec.wireTimestamp())));
                request.topics().add(t);
            });
            return call(leader, request).thenApply(response -> {
                Map<TopicPartition, ListedOffset> results = new HashMap<>();
                for (ListOffsetsResponse.ListOffsetsTopicResponse t : ((ListOffsetsResponse) response).topics()) {
                    for (ListOffsetsResponse.ListOffsetsPartitionResponse p : t.partitions()) {
                        TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                        results.put(tp, new ListedOffset(tp, p.offset(), p.timestamp(), p.leaderEpoch(),
                                ErrorCode.forCode(p.errorCode()), null));
                    }
                }
                return results;
            });
        };
        return toLeaders(wanted, send, (tp, error, message) -> new ListedOffset(tp, -1, -1, -1, error, message));
    }

    /**
     * Deletes the records of partitions before the offsets given, asking each
     * partition's leader; the result holds each partition's new low watermark
     * (its earliest offset). An offset past the high watermark is reported per
     * partition (OFFSET_OUT_OF_RANGE).
     *
     * @param beforeOffsets partition to the first offset to keep, at least 0
     */
    public CompletableFuture<Map<TopicPartition, DeletedRecords>> deleteRecords(Map<TopicPartition, Long> beforeOffsets) {
        Map<TopicPartition, Long> wanted = nonNullEntries(beforeOffsets, "beforeOffsets");
        wanted.forEach((tp, offset) -> {
            if (offset < 0) {
                throw new IllegalArgumentException("offset to delete before in " + tp + " must be at least 0, was " + offset);
            }
        });
        ensureOpen();
        PartitionCall<Long, DeletedRecords> send = (leader, batch) -> {
            DeleteRecordsRequest request = new DeleteRecordsRequest().setTimeoutMs(brokerTimeoutMs);
            byTopic(batch).forEach((topic, offsets) -> {
                DeleteRecordsRequest.DeleteRecordsTopic t = new DeleteRecordsRequest.DeleteRecordsTopic().setName(topic);
                offsets.forEach((partition, offset) -> t.partitions().add(new DeleteRecordsRequest.DeleteRecordsPartition()
                        .setPartitionIndex(partition).setOffset(offset)));
                request.topics().add(t);
            });
            return call(leader, request).thenApply(response -> {
                Map<TopicPartition, DeletedRecords> results = new HashMap<>();
                for (DeleteRecordsResponse.DeleteRecordsTopicResult t : ((DeleteRecordsResponse) response).topics()) {
                    for (DeleteRecordsResponse.DeleteRecordsPartitionResult p : t.partitions()) {
                        TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                        results.put(tp, new DeletedRecords(tp, p.lowWatermark(), ErrorCode.forCode(p.errorCode()), null));
                    }
                }
                return results;
            });
        };
        return toLeaders(wanted, send, (tp, error, message) -> new DeletedRecords(tp, -1, error, message));
    }

    // --------------------------------------------------------------- configs

    /**
     * Describes the configs of topics and brokers: every config with its value
     * (hidden when sensitive), where the value comes from, and whether it can be
     * altered. A broker's configs are asked of that broker.
     */
    public CompletableFuture<Map<ConfigResource, ResourceConfigs>> describeConfigs(Collection<ConfigResource> resources) {
        List<ConfigResource> list = distinct(nonNullItems(resources, "resources"), "resource");
        ensureOpen();
        if (list.isEmpty()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        Map<Integer, List<ConfigResource>> byBroker = list.stream()
                .collect(Collectors.groupingBy(this::brokerFor, LinkedHashMap::new, Collectors.toList()));
        List<CompletableFuture<Map<ConfigResource, ResourceConfigs>>> calls = new ArrayList<>();
        byBroker.forEach((broker, group) -> {
            DescribeConfigsRequest request = new DescribeConfigsRequest();
            // A null key list asks for every config of the resource.
            group.forEach(r -> request.resources().add(new DescribeConfigsRequest.DescribeConfigsResource()
                    .setResourceType(r.type().wire).setResourceName(r.name()).setConfigurationKeys(null)));
            calls.add(callBroker(broker, request).thenApply(response -> {
                Map<ConfigResource, ResourceConfigs> results = new HashMap<>();
                for (DescribeConfigsResponse.DescribeConfigsResult r : ((DescribeConfigsResponse) response).results()) {
                    ConfigResource resource = ConfigResource.fromWire(r.resourceType(), r.resourceName());
                    Map<String, ConfigEntry> entries = new HashMap<>();
                    for (DescribeConfigsResponse.DescribeConfigsResourceResult c : r.configs()) {
                        entries.put(c.name(), new ConfigEntry(c.name(), c.value(), ConfigEntry.Source.fromWire(c.configSource()),
                                c.readOnly(), c.isSensitive()));
                    }
                    results.put(resource, new ResourceConfigs(resource, entries, ErrorCode.forCode(r.errorCode()),
                            r.errorMessage()));
                }
                return results;
            }));
        });
        return joinAll(calls).thenApply(byResource -> inOrder(list, byResource,
                r -> new ResourceConfigs(r, Map.of(), ErrorCode.UNKNOWN_SERVER_ERROR, NO_ANSWER)));
    }

    /** As {@link #incrementalAlterConfigs(Map, boolean)}, altering them for real. */
    public CompletableFuture<Map<ConfigResource, ConfigOutcome>> incrementalAlterConfigs(
            Map<ConfigResource, ? extends Collection<AlterConfigOp>> changes) {
        return incrementalAlterConfigs(changes, false);
    }

    /**
     * Changes configs of topics and brokers one by one (KIP-339): set, delete (back
     * to the default), append to or subtract from a list. Configs not named keep
     * their values. A broker's configs are sent to that broker; the cluster-wide
     * broker defaults and topics to any broker.
     *
     * @throws IllegalArgumentException when a resource names one config twice
     */
    public CompletableFuture<Map<ConfigResource, ConfigOutcome>> incrementalAlterConfigs(
            Map<ConfigResource, ? extends Collection<AlterConfigOp>> changes, boolean validateOnly) {
        Map<ConfigResource, List<AlterConfigOp>> wanted = new LinkedHashMap<>();
        Objects.requireNonNull(changes, "changes").forEach((resource, ops) -> {
            Objects.requireNonNull(resource, "resource");
            List<AlterConfigOp> list = nonNullItems(ops, "changes of " + resource);
            Set<String> seen = new HashSet<>();
            for (AlterConfigOp op : list) {
                if (!seen.add(op.name())) {
                    throw new IllegalArgumentException(resource + " changes config '" + op.name() + "' twice");
                }
            }
            wanted.put(resource, list);
        });
        ensureOpen();
        if (wanted.isEmpty()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        Map<Integer, List<ConfigResource>> byBroker = wanted.keySet().stream()
                .collect(Collectors.groupingBy(this::brokerFor, LinkedHashMap::new, Collectors.toList()));
        List<CompletableFuture<Map<ConfigResource, ConfigOutcome>>> calls = new ArrayList<>();
        byBroker.forEach((broker, group) -> {
            IncrementalAlterConfigsRequest request = new IncrementalAlterConfigsRequest().setValidateOnly(validateOnly);
            for (ConfigResource resource : group) {
                IncrementalAlterConfigsRequest.AlterConfigsResource r = new IncrementalAlterConfigsRequest.AlterConfigsResource()
                        .setResourceType(resource.type().wire).setResourceName(resource.name());
                wanted.get(resource).forEach(op -> r.configs().add(new IncrementalAlterConfigsRequest.AlterableConfig()
                        .setName(op.name()).setConfigOperation(op.type().wire).setValue(op.value())));
                request.resources().add(r);
            }
            calls.add(callBroker(broker, request).thenApply(response -> {
                Map<ConfigResource, ConfigOutcome> results = new HashMap<>();
                for (IncrementalAlterConfigsResponse.AlterConfigsResourceResponse r
                        : ((IncrementalAlterConfigsResponse) response).responses()) {
                    ConfigResource resource = ConfigResource.fromWire(r.resourceType(), r.resourceName());
                    results.put(resource, new ConfigOutcome(resource, ErrorCode.forCode(r.errorCode()), r.errorMessage()));
                }
                return results;
            }));
        });
        return joinAll(calls).thenApply(byResource -> inOrder(List.copyOf(wanted.keySet()), byResource,
                r -> new ConfigOutcome(r, ErrorCode.UNKNOWN_SERVER_ERROR, NO_ANSWER)));
    }

    // ---------------------------------------------------------------- groups

    /** Every group of the cluster, of any type and in any state; see {@link #listGroups(Collection, Collection)}. */
    public CompletableFuture<GroupListing> listGroups() {
        return listGroups(List.of(), List.of());
    }

    /**
     * The groups of the cluster with their type, protocol type and state, asking
     * every broker (ListGroups), as each lists only the groups it coordinates. A
     * broker that cannot answer leaves its groups out and says so in
     * {@link GroupListing#brokers()}; the others' groups are still listed.
     *
     * @param types  only groups of these types (ListGroups v5, Kafka 3.8+); empty for every type
     * @param states only groups in these states (ListGroups v4); empty for every state
     * @throws IllegalArgumentException for {@link GroupType#UNKNOWN} or {@link GroupState#UNKNOWN}
     */
    public CompletableFuture<GroupListing> listGroups(Collection<GroupType> types, Collection<GroupState> states) {
        Set<GroupType> typeFilter = java.util.EnumSet.noneOf(GroupType.class);
        typeFilter.addAll(nonNullItems(types, "types"));
        Set<GroupState> stateFilter = java.util.EnumSet.noneOf(GroupState.class);
        stateFilter.addAll(nonNullItems(states, "states"));
        if (typeFilter.contains(GroupType.UNKNOWN) || stateFilter.contains(GroupState.UNKNOWN)) {
            throw new IllegalArgumentException("UNKNOWN is not a type or state a broker can filter by");
        }
        ensureOpen();
        return groups.listGroups(typeFilter, stateFilter);
    }

    /**
     * Describes groups: type, protocol type, state, assignor, epochs, and each
     * member with its client id, host, instance id, subscription and assignment.
     * Consumer groups (KIP-848) are described with ConsumerGroupDescribe, classic
     * groups with DescribeGroups, their members' bytes decoded as the consumer
     * protocol. A group that does not exist has GROUP_ID_NOT_FOUND.
     */
    public CompletableFuture<Map<String, GroupDescription>> describeGroups(Collection<String> groupIds) {
        List<String> ids = groupIds(groupIds);
        ensureOpen();
        return groups.describeGroups(ids);
    }

    /**
     * Deletes groups with their committed offsets. Only an empty group can be
     * deleted: one with members has NON_EMPTY_GROUP, one that does not exist
     * GROUP_ID_NOT_FOUND.
     */
    public CompletableFuture<Map<String, GroupOutcome>> deleteGroups(Collection<String> groupIds) {
        List<String> ids = groupIds(groupIds);
        ensureOpen();
        return groups.deleteGroups(ids);
    }

    /**
     * Each group's committed offsets (OffsetFetch), with the leader epoch and the
     * metadata stored with each. A group that does not exist has none.
     */
    public CompletableFuture<Map<String, GroupOffsets>> listGroupOffsets(Collection<String> groupIds) {
        List<String> ids = groupIds(groupIds);
        ensureOpen();
        return groups.listGroupOffsets(ids);
    }

    /** As {@link #alterGroupOffsets(String, Map, boolean)}, committing for real. */
    public CompletableFuture<OffsetsChange> alterGroupOffsets(String groupId, Map<TopicPartition, Long> offsets) {
        return alterGroupOffsets(groupId, offsets, false);
    }

    /**
     * Sets a group's committed offsets to those given, only while the group is
     * empty. The group is described first: one with members is refused with
     * NON_EMPTY_GROUP and a message naming its state and member count, and
     * nothing changes. The offsets are then committed as an admin does (OffsetCommit
     * with generation -1 and no member id), which the coordinator also refuses
     * should a member join in between. A group that does not exist is created,
     * empty, by the commit.
     *
     * @param offsets partition to the next offset the group should read, at least 0
     * @param dryRun  only report what would be committed
     * @throws IllegalArgumentException for no partitions or a negative offset
     */
    public CompletableFuture<OffsetsChange> alterGroupOffsets(String groupId, Map<TopicPartition, Long> offsets,
                                                              boolean dryRun) {
        String id = groupId(groupId);
        Map<TopicPartition, Long> wanted = nonNullEntries(offsets, "offsets");
        if (wanted.isEmpty()) {
            throw new IllegalArgumentException("offsets to alter for group '" + id + "' name no partition");
        }
        wanted.forEach((tp, offset) -> {
            if (offset < 0) {
                throw new IllegalArgumentException("offset for " + tp + " must be at least 0, was " + offset);
            }
        });
        ensureOpen();
        return groups.alterGroupOffsets(id, wanted, dryRun);
    }

    /** As {@link #resetGroupOffsets(String, Collection, OffsetReset, boolean)}, committing for real. */
    public CompletableFuture<OffsetsChange> resetGroupOffsets(String groupId, Collection<TopicPartition> partitions,
                                                              OffsetReset reset) {
        return resetGroupOffsets(groupId, partitions, reset, false);
    }

    /**
     * Moves a group's committed offsets of {@code partitions} to the earliest or
     * latest offset, the first at or after a time, a given offset, or by a
     * shift from the committed one, each clamped to the partition's log, only
     * while the group is empty (as {@link #alterGroupOffsets(String, Map, boolean)}).
     * Each partition's result holds its previous and its new offset. When a
     * partition's new offset cannot be planned (its offsets cannot be listed, or
     * a shift finds no committed offset: RESOURCE_NOT_FOUND), nothing is committed.
     *
     * @param dryRun only report what would be committed
     * @throws IllegalArgumentException for no partitions, or a partition given twice
     */
    public CompletableFuture<OffsetsChange> resetGroupOffsets(String groupId, Collection<TopicPartition> partitions,
                                                              OffsetReset reset, boolean dryRun) {
        String id = groupId(groupId);
        List<TopicPartition> list = partitions(partitions, "partitions to reset for group '" + id + "'");
        Objects.requireNonNull(reset, "reset");
        ensureOpen();
        return groups.resetGroupOffsets(id, list, reset, dryRun);
    }

    /**
     * Deletes a group's committed offsets of {@code partitions} (OffsetDelete,
     * Kafka 2.4+). The group may have members, but the offsets of a topic it
     * consumes are kept: those partitions have GROUP_SUBSCRIBED_TO_TOPIC.
     *
     * @throws IllegalArgumentException for no partitions, or a partition given twice
     */
    public CompletableFuture<GroupOffsetsDeletion> deleteGroupOffsets(String groupId,
                                                                      Collection<TopicPartition> partitions) {
        String id = groupId(groupId);
        List<TopicPartition> list = partitions(partitions, "partitions to delete offsets of for group '" + id + "'");
        ensureOpen();
        return groups.deleteGroupOffsets(id, list);
    }

    /**
     * Removes static members (KIP-345) from a group by their
     * {@code group.instance.id} (LeaveGroup v3+, Kafka 2.4+), so that the group
     * rebalances now rather than after the members' session timeout. Works on
     * classic and consumer groups; an instance id the group does not know has
     * UNKNOWN_MEMBER_ID.
     *
     * @throws IllegalArgumentException for no instance id, an empty one, or one given twice
     */
    public CompletableFuture<MembersRemoval> removeStaticMembers(String groupId, Collection<String> groupInstanceIds) {
        String id = groupId(groupId);
        List<String> instances = distinct(nonNullItems(groupInstanceIds, "groupInstanceIds"), "group instance id");
        if (instances.isEmpty()) {
            throw new IllegalArgumentException("no group instance id given to remove from group '" + id + "'");
        }
        instances.forEach(i -> {
            if (i.isEmpty()) {
                throw new IllegalArgumentException("a group instance id must not be empty");
            }
        });
        ensureOpen();
        return groups.removeStaticMembers(id, instances);
    }

    // ----------------------------------------------------------------- close

    /** Closes the connections and stops the engine's threads; requests still waiting fail. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && ownsClient) {
            client.close();
        }
    }

    // ------------------------------------------------------------- internals

    /** The group operations, for tests that need a step on its own. */
    GroupAdmin groups() {
        return groups;
    }

    static final String NO_ANSWER = "the broker's answer did not mention this item";

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the admin client is closed");
        }
    }

    private CompletableFuture<ApiMessage> call(int nodeId, ApiMessage request) {
        return call(nodeId, request.apiKey(), v -> request);
    }

    private CompletableFuture<ApiMessage> call(int nodeId, ApiKey api, IntFunction<ApiMessage> body) {
        return client.send(nodeId, ChannelKind.OTHER, api, body, api.latestStableVersion());
    }

    /** As {@link #call}, first learning the broker's address when the metadata does not have it yet. */
    private CompletableFuture<ApiMessage> callBroker(int nodeId, ApiMessage request) {
        if (nodeId == NetworkClient.ANY_BROKER || client.brokers().containsKey(nodeId)) {
            return call(nodeId, request);
        }
        return client.refreshMetadata().thenCompose(m -> call(nodeId, request));
    }

    /** A broker's own configs are answered by that broker alone. */
    private int brokerFor(ConfigResource resource) {
        int id = resource.brokerId();
        return id >= 0 ? id : NetworkClient.ANY_BROKER;
    }

    /** Sends one batch of partitions, all led by {@code leader}, and reads the per-partition results. */
    @FunctionalInterface
    private interface PartitionCall<V, R> {
        CompletableFuture<Map<TopicPartition, R>> send(int leader, Map<TopicPartition, V> batch);
    }

    /** The result for a partition that got no answer of its own. */
    @FunctionalInterface
    private interface PartitionFailure<R> {
        R of(TopicPartition partition, ErrorCode error, String message);
    }

    private <V, R extends Outcome> CompletableFuture<Map<TopicPartition, R>> toLeaders(
            Map<TopicPartition, V> wanted, PartitionCall<V, R> call, PartitionFailure<R> failure) {
        if (wanted.isEmpty()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        Map<TopicPartition, R> results = new ConcurrentHashMap<>();
        return toLeaders(wanted, call, failure, results, 1)
                .thenApply(ignored -> inOrder(List.copyOf(wanted.keySet()), results,
                        tp -> failure.of(tp, ErrorCode.UNKNOWN_SERVER_ERROR, NO_ANSWER)));
    }

    private <V, R extends Outcome> CompletableFuture<Void> toLeaders(Map<TopicPartition, V> pending,
                                                                     PartitionCall<V, R> call, PartitionFailure<R> failure,
                                                                     Map<TopicPartition, R> results, int attempt) {
        Set<String> topics = pending.keySet().stream().map(TopicPartition::topic).collect(Collectors.toSet());
        return client.refreshMetadata(topics).thenCompose(metadata -> {
            Map<TopicPartition, R> round = new ConcurrentHashMap<>();
            Map<Integer, Map<TopicPartition, V>> byLeader = new HashMap<>();
            pending.forEach((tp, value) -> {
                Optional<Integer> leader = metadata.leader(tp.topic(), tp.partition());
                if (leader.isPresent()) {
                    byLeader.computeIfAbsent(leader.get(), id -> new HashMap<>()).put(tp, value);
                } else {
                    round.put(tp, noLeader(metadata, tp, failure));
                }
            });
            // A leader that cannot be reached (its broker died, the connection broke)
            // fails only its partitions, with a retriable error: the next round asks
            // fresh metadata for their new leaders. Both operations are safe to repeat.
            CompletableFuture<?>[] sends = byLeader.entrySet().stream()
                    .map(e -> call.send(e.getKey(), e.getValue()).handle((answered, error) -> {
                        e.getValue().keySet().forEach(tp -> round.put(tp, error != null
                                ? failure.of(tp, ErrorCode.NETWORK_EXCEPTION, "leader " + e.getKey() + " unreachable: "
                                        + (error instanceof java.util.concurrent.CompletionException ? error.getCause() : error))
                                : answered.getOrDefault(tp, failure.of(tp, ErrorCode.UNKNOWN_SERVER_ERROR, NO_ANSWER))));
                        return null;
                    }))
                    .toArray(CompletableFuture[]::new);
            return CompletableFuture.allOf(sends).thenCompose(ignored -> {
                Map<TopicPartition, V> retry = new LinkedHashMap<>();
                round.forEach((tp, r) -> {
                    if (!r.succeeded() && r.error().retriable() && attempt < PARTITION_ATTEMPTS && !closed.get()) {
                        retry.put(tp, pending.get(tp));
                    } else {
                        results.put(tp, r);
                    }
                });
                if (retry.isEmpty()) {
                    return CompletableFuture.<Void>completedFuture(null);
                }
                long backoff = Backoff.exponential(attempt - 1, retryBackoffMillis, retryBackoffMaxMillis);
                LOG.debug("retrying {} partition(s) after {} ms (attempt {} of {}): {}", retry.size(), backoff,
                        attempt + 1, PARTITION_ATTEMPTS, retry.keySet());
                return client.delay(java.time.Duration.ofMillis(backoff))
                        .thenCompose(x -> toLeaders(retry, call, failure, results, attempt + 1));
            });
        });
    }

    private static <R> R noLeader(ClusterMetadata metadata, TopicPartition tp, PartitionFailure<R> failure) {
        Optional<ClusterMetadata.Topic> topic = metadata.topic(tp.topic());
        if (topic.isEmpty()) {
            return failure.of(tp, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "no broker knows topic '" + tp.topic() + "'");
        }
        if (topic.get().error() != ErrorCode.NONE) {
            return failure.of(tp, topic.get().error(), "topic '" + tp.topic() + "'");
        }
        if (topic.get().partitions().stream().noneMatch(p -> p.index() == tp.partition())) {
            return failure.of(tp, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + tp.topic() + "' has "
                    + topic.get().partitions().size() + " partition(s); there is no partition " + tp.partition());
        }
        return failure.of(tp, ErrorCode.LEADER_NOT_AVAILABLE, "partition " + tp + " has no leader");
    }

    private static <V> Map<String, Map<Integer, V>> byTopic(Map<TopicPartition, V> batch) {
        Map<String, Map<Integer, V>> byTopic = new LinkedHashMap<>();
        batch.forEach((tp, v) -> byTopic.computeIfAbsent(tp.topic(), t -> new LinkedHashMap<>()).put(tp.partition(), v));
        return byTopic;
    }

    private static <K, R> CompletableFuture<Map<K, R>> joinAll(List<CompletableFuture<Map<K, R>>> calls) {
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            Map<K, R> all = new HashMap<>();
            calls.forEach(c -> all.putAll(c.join()));
            return all;
        });
    }

    /** The results in the order asked, with {@code missing} for what the broker left out. */
    static <K, R> Map<K, R> inOrder(List<K> asked, Map<K, R> answered, Function<K, R> missing) {
        Map<K, R> ordered = new LinkedHashMap<>();
        for (K key : asked) {
            R r = answered.get(key);
            ordered.put(key, r != null ? r : missing.apply(key));
        }
        return Collections.unmodifiableMap(ordered);
    }

    private static List<String> names(List<NewTopic> topics) {
        return topics.stream().map(NewTopic::name).toList();
    }

    /** Validated, without duplicates, in the order given. */
    private static List<String> topicNames(Collection<String> topics) {
        List<String> names = nonNullItems(topics, "topics");
        names.forEach(TopicNames::validate);
        return distinct(names, "topic");
    }

    /** A group id: not null, not empty (every group API refuses an empty one with INVALID_GROUP_ID). */
    private static String groupId(String groupId) {
        Objects.requireNonNull(groupId, "groupId");
        if (groupId.isEmpty()) {
            throw new IllegalArgumentException("a group id must not be empty");
        }
        return groupId;
    }

    /** Validated, without duplicates, in the order given. */
    private static List<String> groupIds(Collection<String> groupIds) {
        List<String> ids = nonNullItems(groupIds, "groupIds");
        ids.forEach(Admin::groupId);
        return distinct(ids, "group");
    }

    /** At least one, without duplicates, in the order given. */
    private static List<TopicPartition> partitions(Collection<TopicPartition> partitions, String what) {
        List<TopicPartition> list = distinct(nonNullItems(partitions, "partitions"), "partition");
        if (list.isEmpty()) {
            throw new IllegalArgumentException(what + ": none given");
        }
        return list;
    }

    private static <T> List<T> distinct(List<T> items, String what) {
        Set<T> seen = new HashSet<>();
        for (T item : items) {
            if (!seen.add(item)) {
                throw new IllegalArgumentException(what + " " + item + " is given twice");
            }
        }
        return items;
    }

    private static <T> List<T> nonNullItems(Collection<T> items, String name) {
        Objects.requireNonNull(items, name);
        List<T> list = new ArrayList<>(items.size());
        for (T item : items) {
            list.add(Objects.requireNonNull(item, () -> name + " must not hold null"));
        }
        return list;
    }

    private static <K, V> Map<K, V> nonNullEntries(Map<K, V> map, String name) {
        Objects.requireNonNull(map, name);
        Map<K, V> copy = new LinkedHashMap<>();
        map.forEach((k, v) -> copy.put(Objects.requireNonNull(k, () -> name + " must not hold a null key"),
                Objects.requireNonNull(v, () -> name + " must not hold a null value (for " + k + ")")));
        return copy;
    }

    @Override
    public String toString() {
        return "Admin[" + (closed.get() ? "closed" : "open") + "]";
    }
}
