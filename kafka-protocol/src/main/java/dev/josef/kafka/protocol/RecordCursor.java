package dev.josef.kafka.protocol;

import dev.josef.kafka.protocol.internal.Utf8;
import dev.josef.kafka.protocol.internal.Varints;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.List;

/**
 * Walks the records of one batch in place. {@link #next()} moves to the next
 * record and checks its framing; the current record's fields are then read
 * from the batch's bytes without copying: {@link #key()} and {@link #value()}
 * are read-only views, valid as long as the batch's buffer is.
 *
 * <p>This is the decoding path a consumer uses: nothing is allocated per record
 * beyond the views asked for. {@link RecordBatch#records()} builds on it for
 * callers that want owned {@link Record} values.
 *
 * <p>Not thread-safe; one cursor is used by one thread.
 */
public abstract sealed class RecordCursor permits RecordCursor.V2, RecordCursor.OfList {

    RecordCursor() {
    }

    /** Moves to the next record; false when there is none. Malformed records raise {@link ProtocolException}. */
    public abstract boolean next();

    public abstract long offset();

    public abstract long timestamp();

    /** The key's length in bytes, or -1 for a null key. */
    public abstract int keySize();

    /** The value's length in bytes, or -1 for a null value (a tombstone). */
    public abstract int valueSize();

    /** A read-only view of the key, or null. */
    public abstract ByteBuffer key();

    /** A read-only view of the value, or null. */
    public abstract ByteBuffer value();

    public abstract int headerCount();

    /** The headers, decoded on demand. */
    public abstract List<Header> headers();

    /** The current record as an owned value: key, value and headers are copied. */
    public Record toRecord() {
        return new Record(offset(), timestamp(), copy(key()), copy(value()), headers());
    }

    private static byte[] copy(ByteBuffer view) {
        if (view == null) {
            return null;
        }
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }

    /** Magic v2 records: a varint-framed body per record, read where it lies. */
    static final class V2 extends RecordCursor {
        private final DefaultRecordBatch batch;
        private final ByteBuffer in;
        private final int end;
        private final int count;
        private final long baseOffset;
        private final long baseTimestamp;
        private final boolean logAppendTime;
        private final long maxTimestamp;

        private int index;
        private long offset;
        private long timestamp;
        private int keyPosition;
        private int keySize;
        private int valuePosition;
        private int valueSize;
        private int headersPosition;
        private int headerCount;

        V2(DefaultRecordBatch batch, ByteBuffer records, int count) {
            this.batch = batch;
            // Read-only once per batch, so that every key and value view is a single slice.
            this.in = records.isReadOnly() ? records : records.asReadOnlyBuffer();
            this.end = records.limit();
            this.count = count;
            this.baseOffset = batch.baseOffset();
            this.baseTimestamp = batch.baseTimestamp();
            this.logAppendTime = batch.timestampType() == TimestampType.LOG_APPEND_TIME;
            this.maxTimestamp = batch.maxTimestamp();
        }

        @Override
        public boolean next() {
            if (index == count) {
                if (in.position() != end) {
                    throw new ProtocolException(batch.describe() + ": " + (end - in.position())
                            + " bytes follow the " + count + " records the batch declares");
                }
                return false;
            }
            try {
                readRecord();
            } catch (ProtocolException e) {
                throw new ProtocolException(batch.describe() + ": record " + index + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                // A decoder bug must still surface as malformed input, never as a
                // BufferUnderflowException that a consumer would not expect.
                throw new ProtocolException(batch.describe() + ": record " + index + " is malformed (" + e + ")", e);
            }
            index++;
            return true;
        }

        private void readRecord() {
            int bodySize = Varints.readVarint(in);
            if (bodySize < BatchFormat.MIN_RECORD_BODY_SIZE || bodySize > in.remaining()) {
                throw new ProtocolException("declares " + bodySize + " bytes but " + in.remaining()
                        + " remain (at least " + BatchFormat.MIN_RECORD_BODY_SIZE + " needed)");
            }
            // Fence the record in, so that no field of it can read into the next.
            int recordEnd = in.position() + bodySize;
            in.limit(recordEnd);
            in.get(); // record attributes: none defined yet
            long timestampDelta = Varints.readVarlong(in);
            int offsetDelta = Varints.readVarint(in);
            keySize = Varints.readVarint(in);
            keyPosition = skipBytes(keySize, "key");
            valueSize = Varints.readVarint(in);
            valuePosition = skipBytes(valueSize, "value");
            headerCount = Varints.readVarint(in);
            if (headerCount < 0 || headerCount > in.remaining() / BatchFormat.MIN_HEADER_SIZE) {
                throw new ProtocolException("header count " + headerCount + " but " + in.remaining()
                        + " bytes remain in the record");
            }
            headersPosition = in.position();
            for (int h = 0; h < headerCount; h++) {
                int keyLength = Varints.readVarint(in);
                if (keyLength < 0 || keyLength > in.remaining()) {
                    throw new ProtocolException("header " + h + " key length " + keyLength + " but "
                            + in.remaining() + " bytes remain in the record");
                }
                in.position(in.position() + keyLength);
                skipBytes(Varints.readVarint(in), "header " + h + " value");
            }
            if (in.hasRemaining()) {
                throw new ProtocolException("declares " + bodySize + " bytes but its fields end "
                        + in.remaining() + " bytes early");
            }
            in.limit(end);
            offset = baseOffset + offsetDelta;
            timestamp = logAppendTime ? maxTimestamp : baseTimestamp + timestampDelta;
        }

        private int skipBytes(int length, String field) {
            if (length < -1 || length > in.remaining()) {
                throw new ProtocolException(field + " length " + length + " but " + in.remaining()
                        + " bytes remain in the record");
            }
            int position = in.position();
            if (length > 0) {
                in.position(position + length);
            }
            return position;
        }

        private void requireCurrent() {
            if (index == 0) {
                throw new IllegalStateException("call next() before reading a record");
            }
        }

        @Override
        public long offset() {
            requireCurrent();
            return offset;
        }

        @Override
        public long timestamp() {
            requireCurrent();
            return timestamp;
        }

        @Override
        public int keySize() {
            requireCurrent();
            return keySize;
        }

        @Override
        public int valueSize() {
            requireCurrent();
            return valueSize;
        }

        @Override
        public ByteBuffer key() {
            requireCurrent();
            return keySize < 0 ? null : in.slice(keyPosition, keySize);
        }

        @Override
        public ByteBuffer value() {
            requireCurrent();
            return valueSize < 0 ? null : in.slice(valuePosition, valueSize);
        }

        @Override
        public int headerCount() {
            requireCurrent();
            return headerCount;
        }

        @Override
        public List<Header> headers() {
            requireCurrent();
            if (headerCount == 0) {
                return List.of();
            }
            // The framing was checked by next(), so these reads stay inside the record.
            ByteBuffer h = in.duplicate().position(headersPosition);
            Header[] headers = new Header[headerCount];
            for (int i = 0; i < headerCount; i++) {
                String key = Utf8.decode(h, Varints.readVarint(h));
                int valueLength = Varints.readVarint(h);
                byte[] value = null;
                if (valueLength >= 0) {
                    value = new byte[valueLength];
                    h.get(value);
                }
                headers[i] = new Header(key, value);
            }
            return List.of(headers);
        }
    }

    /** Records already decoded (legacy message sets), walked with the same interface. */
    static final class OfList extends RecordCursor {
        private final Iterator<Record> records;
        private Record current;

        OfList(List<Record> records) {
            this.records = records.iterator();
        }

        @Override
        public boolean next() {
            current = records.hasNext() ? records.next() : null;
            return current != null;
        }

        private Record current() {
            if (current == null) {
                throw new IllegalStateException("no current record: call next() and check that it returned true");
            }
            return current;
        }

        @Override
        public long offset() {
            return current().offset();
        }

        @Override
        public long timestamp() {
            return current().timestamp();
        }

        @Override
        public int keySize() {
            byte[] key = current().key();
            return key == null ? -1 : key.length;
        }

        @Override
        public int valueSize() {
            byte[] value = current().value();
            return value == null ? -1 : value.length;
        }

        @Override
        public ByteBuffer key() {
            byte[] key = current().key();
            return key == null ? null : ByteBuffer.wrap(key).asReadOnlyBuffer();
        }

        @Override
        public ByteBuffer value() {
            byte[] value = current().value();
            return value == null ? null : ByteBuffer.wrap(value).asReadOnlyBuffer();
        }

        @Override
        public int headerCount() {
            return current().headers().size();
        }

        @Override
        public List<Header> headers() {
            return current().headers();
        }

        @Override
        public Record toRecord() {
            return current();
        }
    }
}
