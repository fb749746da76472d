package dev.josef.kafka.protocol;

/**
 * Every error code a Kafka broker can put in a response, with whether trying the
 * same operation again may succeed.
 *
 * <p>The names and retriable flags are Kafka's own (checked against kafka-clients
 * 4.3.1 by {@code ErrorCodeTest}); the messages are Josef's. A code this enum
 * does not know maps to {@link #UNKNOWN_SERVER_ERROR}; the exceptions
 * built by {@link #exception(short, String)} keep the code as received.
 */
public enum ErrorCode {
    UNKNOWN_SERVER_ERROR(-1, false, "the broker failed in a way it did not name"),
    NONE(0, false, "no error"),
    OFFSET_OUT_OF_RANGE(1, false, "the requested offset lies outside the log's current range"),
    CORRUPT_MESSAGE(2, true, "the broker found a record batch that fails its CRC or size checks"),
    UNKNOWN_TOPIC_OR_PARTITION(3, true, "the topic or partition is not hosted on this broker"),
    INVALID_FETCH_SIZE(4, false, "the fetch size in the request is not valid"),
    LEADER_NOT_AVAILABLE(5, true, "the partition has no leader right now, often during an election"),
    NOT_LEADER_OR_FOLLOWER(6, true, "this broker no longer leads or replicates the partition"),
    REQUEST_TIMED_OUT(7, true, "the broker gave up on the request before it completed"),
    BROKER_NOT_AVAILABLE(8, false, "the broker cannot serve requests now"),
    REPLICA_NOT_AVAILABLE(9, true, "a replica the request needs is missing on this broker"),
    MESSAGE_TOO_LARGE(10, false, "a record batch exceeds the largest size the broker or topic accepts"),
    STALE_CONTROLLER_EPOCH(11, false, "the request came from a controller with an outdated epoch"),
    OFFSET_METADATA_TOO_LARGE(12, false, "the metadata string attached to the committed offset is too long"),
    NETWORK_EXCEPTION(13, true, "the connection broke before a complete response arrived"),
    COORDINATOR_LOAD_IN_PROGRESS(14, true, "the coordinator is still loading its state"),
    COORDINATOR_NOT_AVAILABLE(15, true, "no coordinator is active yet for this group or transaction"),
    NOT_COORDINATOR(16, true, "this broker does not coordinate the group or transaction"),
    INVALID_TOPIC_EXCEPTION(17, false, "the topic name is malformed or the topic cannot be written to"),
    RECORD_LIST_TOO_LARGE(18, false, "the produce request carries more data than one log segment can hold"),
    NOT_ENOUGH_REPLICAS(19, true, "too few in-sync replicas remain to accept the write"),
    NOT_ENOUGH_REPLICAS_AFTER_APPEND(20, true,
            "the leader appended the write but too few in-sync replicas remain to confirm it"),
    INVALID_REQUIRED_ACKS(21, false, "the acks value of the produce request is not allowed"),
    ILLEGAL_GENERATION(22, false, "the member's group generation is out of date"),
    INCONSISTENT_GROUP_PROTOCOL(23, false,
            "the member's protocol type or protocols do not match the group's"),
    INVALID_GROUP_ID(24, false, "the group id is empty or malformed"),
    UNKNOWN_MEMBER_ID(25, false, "the coordinator does not know this member id"),
    INVALID_SESSION_TIMEOUT(26, false, "the session timeout falls outside the broker's permitted bounds"),
    REBALANCE_IN_PROGRESS(27, false, "a rebalance is under way; the member has to join the group again"),
    INVALID_COMMIT_OFFSET_SIZE(28, false, "the offset commit is too large to store"),
    TOPIC_AUTHORIZATION_FAILED(29, false, "the principal may not perform this operation on the topic"),
    GROUP_AUTHORIZATION_FAILED(30, false, "the principal may not perform this operation on the group"),
    CLUSTER_AUTHORIZATION_FAILED(31, false, "the principal may not perform this operation on the cluster"),
    INVALID_TIMESTAMP(32, false, "a record timestamp is outside the range the topic accepts"),
    UNSUPPORTED_SASL_MECHANISM(33, false, "the requested SASL mechanism is not enabled on the broker"),
    ILLEGAL_SASL_STATE(34, false, "the request does not fit the current stage of SASL authentication"),
    UNSUPPORTED_VERSION(35, false, "the broker cannot handle this request at this version"),
    TOPIC_ALREADY_EXISTS(36, false, "the topic name is already taken"),
    INVALID_PARTITIONS(37, false, "the partition count is not acceptable"),
    INVALID_REPLICATION_FACTOR(38, false, "the replication factor is not acceptable"),
    INVALID_REPLICA_ASSIGNMENT(39, false, "the replica assignment is not acceptable"),
    INVALID_CONFIG(40, false, "a configuration value is not acceptable"),
    NOT_CONTROLLER(41, true, "this broker is not the active controller"),
    INVALID_REQUEST(42, false, "the broker rejected the request as malformed or not allowed"),
    UNSUPPORTED_FOR_MESSAGE_FORMAT(43, false, "the topic's message format is too old for this request"),
    POLICY_VIOLATION(44, false, "the request breaks a policy configured on the broker"),
    OUT_OF_ORDER_SEQUENCE_NUMBER(45, false, "the broker saw a gap in the producer's sequence numbers"),
    DUPLICATE_SEQUENCE_NUMBER(46, false, "the broker already holds a batch with this sequence number"),
    INVALID_PRODUCER_EPOCH(47, false, "the producer epoch is older than the one the broker knows"),
    INVALID_TXN_STATE(48, false, "the transaction is not in a state that allows this operation"),
    INVALID_PRODUCER_ID_MAPPING(49, false, "the producer id does not belong to this transactional id"),
    INVALID_TRANSACTION_TIMEOUT(50, false, "the transaction timeout exceeds the broker's maximum"),
    CONCURRENT_TRANSACTIONS(51, true, "another operation on this transactional id has not finished yet"),
    TRANSACTION_COORDINATOR_FENCED(52, false,
            "a newer transaction coordinator has replaced the one that sent this request"),
    TRANSACTIONAL_ID_AUTHORIZATION_FAILED(53, false, "the principal may not use this transactional id"),
    SECURITY_DISABLED(54, false, "security features are turned off on the broker"),
    OPERATION_NOT_ATTEMPTED(55, false,
            "the broker skipped this operation because another part of the request failed"),
    KAFKA_STORAGE_ERROR(56, true, "the partition's log directory is offline or failed on disk"),
    LOG_DIR_NOT_FOUND(57, false, "the broker has no such log directory"),
    SASL_AUTHENTICATION_FAILED(58, false, "the broker rejected the SASL credentials"),
    UNKNOWN_PRODUCER_ID(59, false,
            "the broker has no state for this producer id, perhaps because its records were removed"),
    REASSIGNMENT_IN_PROGRESS(60, false, "a replica reassignment for the partition is still running"),
    DELEGATION_TOKEN_AUTH_DISABLED(61, false, "delegation tokens are turned off on the broker"),
    DELEGATION_TOKEN_NOT_FOUND(62, false, "no delegation token matches the request"),
    DELEGATION_TOKEN_OWNER_MISMATCH(63, false, "the principal does not own the delegation token"),
    DELEGATION_TOKEN_REQUEST_NOT_ALLOWED(64, false,
            "delegation token requests are refused on this kind of connection"),
    DELEGATION_TOKEN_AUTHORIZATION_FAILED(65, false,
            "the principal may not perform this delegation token operation"),
    DELEGATION_TOKEN_EXPIRED(66, false, "the delegation token is past its expiry time"),
    INVALID_PRINCIPAL_TYPE(67, false, "the broker does not accept this principal type"),
    NON_EMPTY_GROUP(68, false, "the group still has members"),
    GROUP_ID_NOT_FOUND(69, false, "no group with this id exists"),
    FETCH_SESSION_ID_NOT_FOUND(70, true, "the broker has no fetch session with this id"),
    INVALID_FETCH_SESSION_EPOCH(71, true, "the fetch session epoch does not match the broker's"),
    LISTENER_NOT_FOUND(72, true, "the leader has no endpoint on the listener this request came in on"),
    TOPIC_DELETION_DISABLED(73, false, "topic deletion is turned off on the broker"),
    FENCED_LEADER_EPOCH(74, true, "the request carries a leader epoch behind the broker's current one"),
    UNKNOWN_LEADER_EPOCH(75, true, "the request carries a leader epoch ahead of any the broker has seen"),
    UNSUPPORTED_COMPRESSION_TYPE(76, false,
            "the request version cannot carry the partition's compression type"),
    STALE_BROKER_EPOCH(77, false, "the broker epoch in the request is out of date"),
    OFFSET_NOT_AVAILABLE(78, true, "the leader cannot serve the offset yet, usually just after an election"),
    MEMBER_ID_REQUIRED(79, false, "the member must join again with the member id the coordinator assigned"),
    PREFERRED_LEADER_NOT_AVAILABLE(80, true, "the preferred replica could not be elected leader"),
    GROUP_MAX_SIZE_REACHED(81, false, "the group already has as many members as it may have"),
    FENCED_INSTANCE_ID(82, false, "another member with the same group instance id has taken over"),
    ELIGIBLE_LEADERS_NOT_AVAILABLE(83, true, "no replica eligible for leadership is online"),
    ELECTION_NOT_NEEDED(84, true, "the partition already has the leader the election would choose"),
    NO_REASSIGNMENT_IN_PROGRESS(85, false, "no replica reassignment is running for the partition"),
    GROUP_SUBSCRIBED_TO_TOPIC(86, false,
            "the group still consumes the topic, so its offsets for it cannot be deleted"),
    INVALID_RECORD(87, false, "the broker rejected a record that fails its validation"),
    UNSTABLE_OFFSET_COMMIT(88, true, "a transactional offset commit for the partition is still pending"),
    THROTTLING_QUOTA_EXCEEDED(89, true, "the request would exceed a throttling quota"),
    PRODUCER_FENCED(90, false, "a newer instance sharing this producer's transactional id has fenced it"),
    RESOURCE_NOT_FOUND(91, false, "the named resource does not exist"),
    DUPLICATE_RESOURCE(92, false, "the request names the same resource more than once"),
    UNACCEPTABLE_CREDENTIAL(93, false, "the credential does not meet the broker's requirements"),
    INCONSISTENT_VOTER_SET(94, false, "the sender's voter set does not match the receiver's"),
    INVALID_UPDATE_VERSION(95, false, "the feature version in the update is not acceptable"),
    FEATURE_UPDATE_FAILED(96, false, "the controller could not apply the feature update"),
    PRINCIPAL_DESERIALIZATION_FAILURE(97, false, "the forwarded request's principal could not be decoded"),
    SNAPSHOT_NOT_FOUND(98, false, "no snapshot matches the requested id"),
    POSITION_OUT_OF_RANGE(99, false, "the requested position lies outside the snapshot"),
    UNKNOWN_TOPIC_ID(100, true, "the broker does not know this topic id"),
    DUPLICATE_BROKER_REGISTRATION(101, false, "a broker with this id is already registered"),
    BROKER_ID_NOT_REGISTERED(102, false, "the broker id has no registration"),
    INCONSISTENT_TOPIC_ID(103, true, "the topic id does not match the one in the broker's log"),
    INCONSISTENT_CLUSTER_ID(104, false, "the cluster id does not match the receiver's"),
    TRANSACTIONAL_ID_NOT_FOUND(105, false, "no transaction with this transactional id exists"),
    FETCH_SESSION_TOPIC_ID_ERROR(106, true, "topic ids changed or went missing within the fetch session"),
    INELIGIBLE_REPLICA(107, false, "the replica may not join the in-sync replica set"),
    NEW_LEADER_ELECTED(108, false, "the partition state changed but a new leader has taken over"),
    OFFSET_MOVED_TO_TIERED_STORAGE(109, false, "the requested offset is held only in tiered storage"),
    FENCED_MEMBER_EPOCH(110, false, "the coordinator fenced the member epoch, so the member must rejoin"),
    UNRELEASED_INSTANCE_ID(111, false, "the group instance id is still held by another member"),
    UNSUPPORTED_ASSIGNOR(112, false, "the coordinator does not offer the requested assignor"),
    STALE_MEMBER_EPOCH(113, false, "the member epoch is behind the coordinator's"),
    MISMATCHED_ENDPOINT_TYPE(114, false,
            "the request reached the wrong kind of endpoint, broker or controller"),
    UNSUPPORTED_ENDPOINT_TYPE(115, false, "this kind of endpoint cannot handle the request"),
    UNKNOWN_CONTROLLER_ID(116, false, "no controller with this id is known"),
    UNKNOWN_SUBSCRIPTION_ID(117, false, "the client telemetry subscription id is unknown or has changed"),
    TELEMETRY_TOO_LARGE(118, false, "the pushed telemetry is larger than the broker accepts"),
    INVALID_REGISTRATION(119, false, "the controller refused the broker's registration"),
    TRANSACTION_ABORTABLE(120, false, "the transaction hit an error that requires aborting it"),
    INVALID_RECORD_STATE(121, false,
            "the share-group record is not in a state that permits this acknowledgement"),
    SHARE_SESSION_NOT_FOUND(122, true, "the broker has no share session with this id"),
    INVALID_SHARE_SESSION_EPOCH(123, true, "the share session epoch does not match the broker's"),
    FENCED_STATE_EPOCH(124, false, "the share partition's state epoch is out of date"),
    INVALID_VOTER_KEY(125, false, "the voter key does not match the receiver's"),
    DUPLICATE_VOTER(126, false, "the voter set already contains this voter"),
    VOTER_NOT_FOUND(127, false, "the voter set does not contain this voter"),
    INVALID_REGULAR_EXPRESSION(128, false, "the subscription's regular expression is malformed"),
    REBOOTSTRAP_REQUIRED(129, false, "the client must fetch metadata afresh from its bootstrap servers"),
    STREAMS_INVALID_TOPOLOGY(130, false, "the streams topology is not acceptable"),
    STREAMS_INVALID_TOPOLOGY_EPOCH(131, false, "the streams topology epoch is not acceptable"),
    STREAMS_TOPOLOGY_FENCED(132, false, "the streams topology epoch is older than the group's"),
    SHARE_SESSION_LIMIT_REACHED(133, true, "the broker already holds as many share sessions as it allows");

    private static final int OFFSET = 1; // the lowest code is -1
    private static final ErrorCode[] BY_CODE;

    static {
        ErrorCode[] all = values();
        int highest = 0;
        for (ErrorCode error : all) {
            highest = Math.max(highest, error.code);
        }
        BY_CODE = new ErrorCode[highest + OFFSET + 1];
        for (ErrorCode error : all) {
            if (BY_CODE[error.code + OFFSET] != null) {
                throw new AssertionError("error code " + error.code + " is listed twice");
            }
            BY_CODE[error.code + OFFSET] = error;
        }
    }

    private final short code;
    private final boolean retriable;
    private final String message;

    ErrorCode(int code, boolean retriable, String message) {
        this.code = (short) code;
        this.retriable = retriable;
        this.message = message;
    }

    /** The code as it appears on the wire. */
    public short code() {
        return code;
    }

    /** Whether the same request may succeed if sent again, perhaps after a metadata refresh. */
    public boolean retriable() {
        return retriable;
    }

    /** What the error means, as a lower-case phrase that reads well after the error's name. */
    public String message() {
        return message;
    }

    /**
     * The error for a code read from a response, or {@link #UNKNOWN_SERVER_ERROR}
     * for a code this enum does not know (a newer broker may send one).
     */
    public static ErrorCode forCode(short code) {
        int index = code + OFFSET;
        if (index < 0 || index >= BY_CODE.length || BY_CODE[index] == null) {
            return UNKNOWN_SERVER_ERROR;
        }
        return BY_CODE[index];
    }

    /**
     * An exception for this error: a {@link RetriableBrokerException} when the error
     * is retriable, a {@link BrokerException} otherwise.
     *
     * @param detail the broker's error message or other context, or {@code null}
     * @throws IllegalStateException for {@link #NONE}, which is not an error
     */
    public KafkaException exception(String detail) {
        return build(this, code, detail);
    }

    /**
     * An exception for a code read from a response, keeping that code even when this
     * enum does not know it.
     *
     * @param detail the broker's error message or other context, or {@code null}
     * @throws IllegalStateException for code 0 ({@link #NONE}), which is not an error
     */
    public static KafkaException exception(short rawCode, String detail) {
        return build(forCode(rawCode), rawCode, detail);
    }

    private static KafkaException build(ErrorCode error, short rawCode, String detail) {
        if (error == NONE) {
            throw new IllegalStateException("error code 0 (NONE) means success; there is nothing to raise");
        }
        String text = describe(error, rawCode, detail);
        return error.retriable
                ? new RetriableBrokerException(text, error, rawCode)
                : new BrokerException(text, error, rawCode);
    }

    private static String describe(ErrorCode error, short rawCode, String detail) {
        StringBuilder text = new StringBuilder();
        if (error.code == rawCode) {
            text.append(error.name()).append(" (").append(rawCode).append("): ").append(error.message);
        } else {
            text.append("unknown error code ").append(rawCode)
                    .append(", handled as ").append(error.name());
        }
        if (detail != null && !detail.isBlank()) {
            text.append("; ").append(detail);
        }
        return text.toString();
    }
}
