package dev.josef.kafka.protocol;

import dev.josef.kafka.protocol.internal.Utf8;
import dev.josef.kafka.protocol.internal.Varints;
import dev.josef.kafka.protocol.spi.CompressionCodec;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Encodes one record batch (magic v2) as records are appended: each record is
 * written straight into the batch buffer, and the 61-byte header, compression and
 * the CRC-32C are done once, by {@link #build()}.
 *
 * <pre>{@code
 * ByteBuffer batch = new RecordBatchBuilder(16 * 1024)
 *         .producerState(producerId, producerEpoch, baseSequence)
 *         .compression(CompressionCodecs.gzip())
 *         .append(timestamp, key, value, headers)
 *         .build();
 * }</pre>
 *
 * <p>Header fields may be set at any time before {@code build()}, so a producer can
 * fill in its producer id, epoch and sequence when the batch is drained rather
 * than when it is opened. Offsets are {@code baseOffset} plus the record's index;
 * the base timestamp is the first record's; timestamps are {@code CreateTime}.
 *
 * <p>A data batch holds data records only, and a control batch only control
 * records: the first record appended decides which it is.
 *
 * <p>Not thread-safe and takes no locks: one thread owns a builder, as one thread
 * owns a partition's open batch.
 */
public final class RecordBatchBuilder {
    /** The partition leader epoch a client writes; brokers fill in their own. */
    public static final int NO_PARTITION_LEADER_EPOCH = -1;
    /** Producer id, epoch and sequence of a producer that is neither idempotent nor transactional. */
    public static final long NO_PRODUCER_ID = -1L;
    public static final short NO_PRODUCER_EPOCH = -1;
    public static final int NO_SEQUENCE = -1;

    private static final int MAX_BUFFER_SIZE = ByteArrayOutput.MAX_ARRAY_SIZE;
    /**
     * Each thread compresses into one reused buffer, then copies the result into
     * the batch: a producer's sender builds one batch at a time, so this saves a
     * batch-sized allocation per compressed batch. A buffer that grew past this
     * for an unusually large batch is not kept.
     */
    private static final int RETAINED_COMPRESSION_BUFFER = 4 << 20;
    private static final ThreadLocal<ByteArrayOutput[]> COMPRESSION_BUFFER =
            ThreadLocal.withInitial(() -> new ByteArrayOutput[1]);
    // Scratch for feeding a compressor from a buffer without an accessible array.
    private static final int COPY_CHUNK = 8 * 1024;

    private ByteBuffer buffer;
    private final int start;

    private long baseOffset;
    private int partitionLeaderEpoch = NO_PARTITION_LEADER_EPOCH;
    private long producerId = NO_PRODUCER_ID;
    private short producerEpoch = NO_PRODUCER_EPOCH;
    private int baseSequence = NO_SEQUENCE;
    private boolean transactional;
    private CompressionCodec codec = NoCompressionCodec.INSTANCE;
    private int level;

    private boolean control;
    private int recordCount;
    private long baseTimestamp = BatchFormat.NO_TIMESTAMP;
    private long maxTimestamp = BatchFormat.NO_TIMESTAMP;
    private boolean built;

    /**
     * A builder that writes into {@code buffer} from its position on. When the
     * buffer fills up, the builder moves to a larger heap buffer, copying what the
     * given one held up to there; {@link #build()} returns wherever the batch ended up.
     */
    public RecordBatchBuilder(ByteBuffer buffer) {
        Objects.requireNonNull(buffer, "buffer");
        if (buffer.isReadOnly()) {
            throw new IllegalArgumentException("buffer is read-only");
        }
        // The wire is big-endian whatever order the caller's buffer was set to.
        this.buffer = buffer.duplicate().order(ByteOrder.BIG_ENDIAN);
        this.start = buffer.position();
        ensureCapacity(BatchFormat.BATCH_OVERHEAD);
        this.buffer.position(start + BatchFormat.BATCH_OVERHEAD);
    }

    /** A builder over a new heap buffer of {@code initialCapacity} bytes, which grows as needed. */
    public RecordBatchBuilder(int initialCapacity) {
        this(ByteBuffer.allocate(requireCapacity(initialCapacity)));
    }

    private static int requireCapacity(int initialCapacity) {
        if (initialCapacity < 0 || initialCapacity > MAX_BUFFER_SIZE) {
            throw new IllegalArgumentException("initialCapacity must be within 0.." + MAX_BUFFER_SIZE
                    + ", was " + initialCapacity);
        }
        return initialCapacity;
    }

    /** The offset of the first record; 0 (the default) for a producer, as the broker assigns offsets. */
    public RecordBatchBuilder baseOffset(long baseOffset) {
        if (baseOffset < 0) {
            throw new IllegalArgumentException("baseOffset must be >= 0, was " + baseOffset);
        }
        this.baseOffset = baseOffset;
        return this;
    }

    /** The partition leader epoch field; {@value #NO_PARTITION_LEADER_EPOCH} (the default) from a client. */
    public RecordBatchBuilder partitionLeaderEpoch(int partitionLeaderEpoch) {
        if (partitionLeaderEpoch < NO_PARTITION_LEADER_EPOCH) {
            throw new IllegalArgumentException("partitionLeaderEpoch must be >= -1, was " + partitionLeaderEpoch);
        }
        this.partitionLeaderEpoch = partitionLeaderEpoch;
        return this;
    }

    /**
     * The idempotent producer's identity (KIP-98): its id and epoch and the sequence
     * number of the first record. All -1 (the default) for a plain producer.
     */
    public RecordBatchBuilder producerState(long producerId, short producerEpoch, int baseSequence) {
        if (producerId < NO_PRODUCER_ID) {
            throw new IllegalArgumentException("producerId must be >= -1, was " + producerId);
        }
        if (producerEpoch < NO_PRODUCER_EPOCH) {
            throw new IllegalArgumentException("producerEpoch must be >= -1, was " + producerEpoch);
        }
        if (baseSequence < NO_SEQUENCE) {
            throw new IllegalArgumentException("baseSequence must be >= -1, was " + baseSequence);
        }
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.baseSequence = baseSequence;
        return this;
    }

    /** Whether the batch belongs to a transaction; it then needs a producer id. */
    public RecordBatchBuilder transactional(boolean transactional) {
        this.transactional = transactional;
        return this;
    }

    /** Compresses the records with {@code codec} at its default level. */
    public RecordBatchBuilder compression(CompressionCodec codec) {
        Objects.requireNonNull(codec, "codec");
        return compression(codec, codec.defaultLevel());
    }

    /** Compresses the records with {@code codec} at {@code level} (KIP-390). */
    public RecordBatchBuilder compression(CompressionCodec codec, int level) {
        Objects.requireNonNull(codec, "codec");
        byte id = codec.id();
        if (id < 0 || id > BatchFormat.COMPRESSION_MASK) {
            throw new IllegalArgumentException("codec " + codec.name() + " has id " + id
                    + ", outside the 0.." + BatchFormat.COMPRESSION_MASK + " a batch can carry");
        }
        if (!codec.isValidLevel(level)) {
            throw new IllegalArgumentException(level + " is not a valid " + codec.name()
                    + " compression level (its default is " + codec.defaultLevel() + ")");
        }
        this.codec = codec;
        this.level = level;
        return this;
    }

    /** Appends a record without headers. */
    public RecordBatchBuilder append(long timestamp, byte[] key, byte[] value) {
        return append(timestamp, key, value, List.of());
    }

    /**
     * Appends a record.
     *
     * @param timestamp milliseconds since the epoch, or -1 for none
     * @param key       the key, or null
     * @param value     the value, or null
     * @param headers   the headers, in order; keys must not be null
     */
    public RecordBatchBuilder append(long timestamp, byte[] key, byte[] value, List<Header> headers) {
        Objects.requireNonNull(headers, "headers");
        checkAppend(false);
        writeRecord(timestamp, key, value, headers);
        return this;
    }

    /**
     * Appends a control record, which makes this a control batch. Only
     * end-transaction markers ({@link ControlRecord#commit}, {@link ControlRecord#abort})
     * can be written; the batch must be transactional and carry the producer's id
     * and epoch, as the transaction coordinator writes them.
     */
    public RecordBatchBuilder appendControlRecord(long timestamp, ControlRecord record) {
        Objects.requireNonNull(record, "record");
        if (!record.isEndTransactionMarker()) {
            throw new IllegalArgumentException("only end-transaction markers can be written, not " + record.type());
        }
        checkAppend(true);
        byte[] key = ByteBuffer.allocate(ControlRecord.KEY_SIZE)
                .putShort(ControlRecord.CURRENT_KEY_VERSION)
                .putShort(record.type().id())
                .array();
        byte[] value = ByteBuffer.allocate(ControlRecord.MARKER_VALUE_SIZE)
                .putShort(ControlRecord.CURRENT_MARKER_VALUE_VERSION)
                .putInt(record.coordinatorEpoch())
                .array();
        writeRecord(timestamp, key, value, List.of());
        control = true;
        return this;
    }

    /** How many records have been appended. */
    public int recordCount() {
        return recordCount;
    }

    /** The size of the batch so far, header included, before compression. */
    public int sizeInBytes() {
        return buffer.position() - start;
    }

    /** Whether {@link #build()} has been called. */
    public boolean isBuilt() {
        return built;
    }

    /**
     * Writes the header, compresses the records and computes the CRC. The builder
     * takes no more records afterwards.
     *
     * @return the batch, from position 0 to its limit; it shares memory with the
     *         builder's buffer
     * @throws IllegalStateException if no record was appended, if a control batch is
     *         not transactional, if a transactional batch has no producer id, or if a
     *         producer id comes without an epoch or (for data) a base sequence
     */
    public ByteBuffer build() {
        checkOpen();
        if (recordCount == 0) {
            throw new IllegalStateException("a record batch needs at least one record");
        }
        if (transactional && producerId < 0) {
            throw new IllegalStateException("a transactional batch needs a producer id; call producerState first");
        }
        // A broker matches idempotent batches by (producer id, epoch, sequence); a
        // producer id without the other two would be refused there.
        if (producerId >= 0 && producerEpoch < 0) {
            throw new IllegalStateException("producer id " + producerId + " needs a producer epoch >= 0");
        }
        if (producerId >= 0 && baseSequence < 0 && !control) {
            throw new IllegalStateException("producer id " + producerId + " needs a base sequence >= 0");
        }
        if (control && !transactional) {
            throw new IllegalStateException("end-transaction markers belong to a transactional batch;"
                    + " call transactional(true)");
        }
        if (codec.id() != 0) {
            compressRecords();
        }
        int end = buffer.position();
        writeHeader(end - start);
        built = true;
        return buffer.duplicate().position(start).limit(end).slice();
    }

    /**
     * Gives a built batch another producer id, epoch and base sequence, in place,
     * and computes its CRC again. A producer uses it to send a batch again under a
     * new epoch (KIP-360) without encoding or compressing its records again.
     *
     * @param batch one magic v2 batch, from its position to its limit
     * @throws IllegalArgumentException if {@code batch} is not one whole v2 batch
     */
    public static void rewriteProducerState(ByteBuffer batch, long producerId, short producerEpoch, int baseSequence) {
        int start = batch.position();
        int size = batch.remaining();
        if (size < BatchFormat.BATCH_OVERHEAD || batch.get(start + BatchFormat.MAGIC_OFFSET) != BatchFormat.MAGIC_V2
                || batch.getInt(start + BatchFormat.SIZE_OFFSET) + BatchFormat.LOG_OVERHEAD != size) {
            throw new IllegalArgumentException("not one whole magic v2 record batch: " + size + " bytes");
        }
        batch.putLong(start + BatchFormat.PRODUCER_ID_OFFSET, producerId);
        batch.putShort(start + BatchFormat.PRODUCER_EPOCH_OFFSET, producerEpoch);
        batch.putInt(start + BatchFormat.BASE_SEQUENCE_OFFSET, baseSequence);
        writeCrc(batch, start, size);
    }

    @Override
    public String toString() {
        return "RecordBatchBuilder(records=" + recordCount + ", bytes=" + sizeInBytes() + ", compression="
                + codec.name() + (control ? ", control" : "") + (built ? ", built" : "") + ")";
    }

    private void checkOpen() {
        if (built) {
            throw new IllegalStateException("the batch has been built; start a new builder");
        }
    }

    private void checkAppend(boolean controlRecord) {
        checkOpen();
        if (recordCount > 0 && control != controlRecord) {
            throw new IllegalStateException(control
                    ? "this is a control batch; data records go into a batch of their own"
                    : "this batch holds data records; control records go into a batch of their own");
        }
        if (recordCount == Integer.MAX_VALUE) {
            throw new IllegalStateException("a batch holds at most " + Integer.MAX_VALUE + " records");
        }
    }

    private void writeRecord(long timestamp, byte[] key, byte[] value, List<Header> headers) {
        if (timestamp < 0 && timestamp != BatchFormat.NO_TIMESTAMP) {
            throw new IllegalArgumentException("timestamp must be >= 0, or -1 for none; was " + timestamp);
        }
        // Everything is measured before anything is written, so a refused record
        // leaves the batch as it was.
        long first = recordCount == 0 ? timestamp : baseTimestamp;
        long timestampDelta = timestamp - first;
        int offsetDelta = recordCount;
        int keyLength = key == null ? -1 : key.length;
        int valueLength = value == null ? -1 : value.length;
        long bodySize = 1L
                + Varints.sizeOfVarlong(timestampDelta)
                + Varints.sizeOfVarint(offsetDelta)
                + Varints.sizeOfVarint(keyLength) + Math.max(0, keyLength)
                + Varints.sizeOfVarint(valueLength) + Math.max(0, valueLength)
                + sizeOfHeaders(headers);
        if (bodySize > MAX_BUFFER_SIZE) {
            throw new IllegalArgumentException("record of " + bodySize + " bytes is larger than a batch can hold");
        }
        ensureCapacity(Varints.sizeOfVarint((int) bodySize) + bodySize);

        ByteBuffer out = buffer;
        Varints.writeVarint((int) bodySize, out);
        out.put((byte) 0); // record attributes: none defined yet
        Varints.writeVarlong(timestampDelta, out);
        Varints.writeVarint(offsetDelta, out);
        Varints.writeVarint(keyLength, out);
        if (key != null) {
            out.put(key);
        }
        Varints.writeVarint(valueLength, out);
        if (value != null) {
            out.put(value);
        }
        int headerCount = headers.size();
        Varints.writeVarint(headerCount, out);
        for (int i = 0; i < headerCount; i++) {
            Header header = headers.get(i);
            String headerKey = header.key();
            Varints.writeVarint(Utf8.encodedLength(headerKey), out);
            Utf8.encode(headerKey, out);
            byte[] headerValue = header.value();
            if (headerValue == null) {
                Varints.writeVarint(-1, out);
            } else {
                Varints.writeVarint(headerValue.length, out);
                out.put(headerValue);
            }
        }

        if (recordCount == 0) {
            baseTimestamp = timestamp;
        }
        if (timestamp > maxTimestamp) {
            maxTimestamp = timestamp;
        }
        recordCount++;
    }

    private static long sizeOfHeaders(List<Header> headers) {
        int count = headers.size();
        long size = Varints.sizeOfVarint(count);
        for (int i = 0; i < count; i++) {
            Header header = Objects.requireNonNull(headers.get(i), "headers contains null");
            int keyLength = Utf8.encodedLength(header.key());
            byte[] value = header.value();
            size += Varints.sizeOfVarint(keyLength) + keyLength;
            size += value == null ? Varints.sizeOfVarint(-1) : Varints.sizeOfVarint(value.length) + value.length;
        }
        return size;
    }

    private void compressRecords() {
        int recordsStart = start + BatchFormat.RECORDS_OFFSET;
        int uncompressed = buffer.position() - recordsStart;
        // Taken out of the slot while in use: a codec that builds a batch of its own
        // on this thread (none does) would get a fresh buffer, not this one.
        ByteArrayOutput[] slot = COMPRESSION_BUFFER.get();
        ByteArrayOutput compressed = slot[0] != null
                ? slot[0] : new ByteArrayOutput(Math.max(64, uncompressed / 2), MAX_BUFFER_SIZE);
        slot[0] = null;
        try {
            compressInto(compressed, recordsStart, uncompressed);
            buffer.position(recordsStart);
            ensureCapacity(compressed.size());
            buffer.put(compressed.array(), 0, compressed.size());
        } finally {
            compressed.reset();
            if (compressed.capacity() <= RETAINED_COMPRESSION_BUFFER) {
                slot[0] = compressed;
            }
        }
    }

    private void compressInto(ByteArrayOutput compressed, int recordsStart, int uncompressed) {
        try (OutputStream out = codec.compress(compressed, level)) {
            if (buffer.hasArray()) {
                out.write(buffer.array(), buffer.arrayOffset() + recordsStart, uncompressed);
            } else {
                ByteBuffer records = buffer.duplicate().limit(buffer.position()).position(recordsStart);
                byte[] chunk = new byte[Math.min(COPY_CHUNK, uncompressed)];
                while (records.hasRemaining()) {
                    int n = Math.min(chunk.length, records.remaining());
                    records.get(chunk, 0, n);
                    out.write(chunk, 0, n);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new KafkaException("compressing a record batch with " + codec.name() + " failed", e);
        }
    }

    private void writeHeader(int size) {
        ByteBuffer out = buffer;
        int attributes = codec.id();
        if (transactional) {
            attributes |= BatchFormat.TRANSACTIONAL_MASK;
        }
        if (control) {
            attributes |= BatchFormat.CONTROL_MASK;
        }
        out.putLong(start + BatchFormat.OFFSET_OFFSET, baseOffset);
        out.putInt(start + BatchFormat.SIZE_OFFSET, size - BatchFormat.LOG_OVERHEAD);
        out.putInt(start + BatchFormat.PARTITION_LEADER_EPOCH_OFFSET, partitionLeaderEpoch);
        out.put(start + BatchFormat.MAGIC_OFFSET, BatchFormat.MAGIC_V2);
        out.putShort(start + BatchFormat.ATTRIBUTES_OFFSET, (short) attributes);
        out.putInt(start + BatchFormat.LAST_OFFSET_DELTA_OFFSET, recordCount - 1);
        out.putLong(start + BatchFormat.BASE_TIMESTAMP_OFFSET, baseTimestamp);
        out.putLong(start + BatchFormat.MAX_TIMESTAMP_OFFSET, maxTimestamp);
        out.putLong(start + BatchFormat.PRODUCER_ID_OFFSET, producerId);
        out.putShort(start + BatchFormat.PRODUCER_EPOCH_OFFSET, producerEpoch);
        out.putInt(start + BatchFormat.BASE_SEQUENCE_OFFSET, baseSequence);
        out.putInt(start + BatchFormat.RECORD_COUNT_OFFSET, recordCount);
        writeCrc(out, start, size);
    }

    /** The batch's CRC-32C, over everything from the attributes on: it leaves out the partition leader epoch, which brokers overwrite. */
    private static void writeCrc(ByteBuffer batch, int start, int size) {
        CRC32C crc = new CRC32C();
        crc.update(batch.duplicate().position(start + BatchFormat.ATTRIBUTES_OFFSET).limit(start + size));
        batch.putInt(start + BatchFormat.CRC_OFFSET, (int) crc.getValue());
    }

    private void ensureCapacity(long more) {
        long needed = buffer.position() + more;
        if (needed <= buffer.capacity()) {
            if (buffer.limit() < needed) {
                buffer.limit(buffer.capacity());
            }
            return;
        }
        if (needed > MAX_BUFFER_SIZE) {
            throw new IllegalStateException("a record batch cannot grow past " + MAX_BUFFER_SIZE + " bytes");
        }
        int capacity = (int) Math.min(MAX_BUFFER_SIZE, Math.max(needed, 2L * buffer.capacity()));
        ByteBuffer grown = ByteBuffer.allocate(capacity);
        grown.put(buffer.duplicate().flip());
        buffer = grown;
    }
}
