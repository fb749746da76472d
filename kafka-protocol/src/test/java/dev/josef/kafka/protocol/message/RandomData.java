package dev.josef.kafka.protocol.message;

import dev.josef.kafka.protocol.Uuid;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/** Random field values for generated messages: edge values often, multi-byte UTF-8 included. */
final class RandomData {
    private static final String[] PIECES = {"a", "topic", "é", "€", "😀", "-", "_", ".", "Z", "0", " "};
    private static final int[] INT_EDGES = {0, -1, 1, Integer.MIN_VALUE, Integer.MAX_VALUE, 127, 128, 16383, 16384};
    private static final long[] LONG_EDGES = {0L, -1L, 1L, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 35};

    private RandomData() {
    }

    static int int32(Random r) {
        return r.nextInt(4) == 0 ? INT_EDGES[r.nextInt(INT_EDGES.length)] : r.nextInt();
    }

    static long int64(Random r) {
        return r.nextInt(4) == 0 ? LONG_EDGES[r.nextInt(LONG_EDGES.length)] : r.nextLong();
    }

    static double float64(Random r) {
        return (r.nextDouble() - 0.5) * 1e6;
    }

    static String string(Random r) {
        int n = r.nextInt(6);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(PIECES[r.nextInt(PIECES.length)]);
        }
        return sb.toString();
    }

    static byte[] bytes(Random r) {
        byte[] b = new byte[r.nextInt(9)];
        r.nextBytes(b);
        return b;
    }

    static ByteBuffer buffer(Random r) {
        return ByteBuffer.wrap(bytes(r));
    }

    static Uuid uuid(Random r) {
        return r.nextInt(5) == 0 ? Uuid.ZERO : new Uuid(r.nextLong(), r.nextLong());
    }

    static <T> List<T> list(Random r, int depth, Supplier<T> element) {
        int n = depth > 3 ? 0 : r.nextInt(3);
        List<T> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(element.get());
        }
        return list;
    }

    /** Tags far above any that Kafka's specs use, ascending, as a reader would keep them. */
    static List<RawTaggedField> unknownTaggedFields(Random r) {
        List<RawTaggedField> fields = new ArrayList<>();
        int tag = 1000 + r.nextInt(100);
        int n = 1 + r.nextInt(2);
        for (int i = 0; i < n; i++) {
            fields.add(new RawTaggedField(tag, bytes(r)));
            tag += 1 + r.nextInt(1000);
        }
        return fields;
    }
}
