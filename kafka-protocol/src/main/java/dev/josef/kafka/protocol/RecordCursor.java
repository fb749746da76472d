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

        // Reads go by absolute index against the record's own end, so a field can
        // never read into the next record, and the hot path makes no ByteBuffer
        // position or limit calls.
        private int pos;
        private int bound;

        private void readRecord() {
            pos = in.position();
            bound = end;
            int bodySize = varint();
            if (bodySize < BatchFormat.MIN_RECORD_BODY_SIZE || bodySize > bound - pos) {
                throw new ProtocolException("declares " + bodySize + " bytes but " + (bound - pos)
                        + " remain (at least " + BatchFormat.MIN_RECORD_BODY_SIZE + " needed)");
            }
            bound = pos + bodySize;
            pos++; // record attributes: none defined yet
            long timestampDelta = varlong();
            int offsetDelta = varint();
            keySize = varint();
            keyPosition = skip(keySize, "key");
            valueSize = varint();
            valuePosition = skip(valueSize, "value");
            headerCount = varint();
            if (headerCount < 0 || headerCount > (bound - pos) / BatchFormat.MIN_HEADER_SIZE) {
                throw new ProtocolException("header count " + headerCount + " but " + (bound - pos)
                        + " bytes remain in the record");
            }
            headersPosition = pos;
            for (int h = 0; h < headerCount; h++) {
                int keyLength = varint();
                if (keyLength < 0 || keyLength > bound - pos) {
                    throw new ProtocolException("header " + h + " key length " + keyLength + " but "
                            + (bound - pos) + " bytes remain in the record");
                }
                pos += keyLength;
                skip(varint(), "header " + h + " value");
            }
            if (pos != bound) {
                throw new ProtocolException("declares " + bodySize + " bytes but its fields end "
                        + (bound - pos) + " bytes early");
            }
            in.position(pos);
            offset = baseOffset + offsetDelta;
            timestamp = logAppendTime ? maxTimestamp : baseTimestamp + timestampDelta;
        }

        private int skip(int length, String field) {
            if (length < -1 || length > bound - pos) {
                throw new ProtocolException(field + " length " + length + " but " + (bound - pos)
                        + " bytes remain in the record");
            }
            int start = pos;
            if (length > 0) {
                pos += length;
            }
            return start;
        }

        private int varint() {
            int raw = unsignedVarint();
            return (raw >>> 1) ^ -(raw & 1);
        }

        private int unsignedVarint() {
            int value = 0;
            for (int shift = 0; shift < 35; shift += 7) {
                if (pos >= bound) {
                    throw new ProtocolException("truncated varint: the record ends inside it");
                }
                byte b = in.get(pos++);
                value |= (b & 0x7F) << shift;
                if (b >= 0) {
                    return value;
                }
            }
            throw new ProtocolException("varint longer than 5 bytes");
        }

        private long varlong() {
            long value = 0;
            for (int shift = 0; shift < 70; shift += 7) {
                if (pos >= bound) {
                    throw new ProtocolException("truncated varlong: the record ends inside it");
                }
                byte b = in.get(pos++);
                value |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return (value >>> 1) ^ -(value & 1);
                }
            }
            throw new ProtocolException("varlong longer than 10 bytes");
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
