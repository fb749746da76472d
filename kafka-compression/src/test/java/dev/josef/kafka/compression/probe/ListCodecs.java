package dev.josef.kafka.compression.probe;

import dev.josef.kafka.protocol.CompressionCodecs;
import dev.josef.kafka.protocol.Record;
import dev.josef.kafka.protocol.RecordBatchBuilder;
import dev.josef.kafka.protocol.RecordBatchReader;
import dev.josef.kafka.protocol.spi.CompressionCodec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Run in a child JVM by {@code ModulePathDiscoveryTest}: finds the codecs the way an
 * application would, through kafka-protocol alone, and round-trips a batch with each.
 * Prints one line per codec: name, the module it was loaded from, and the record read
 * back. It has a package of its own so as not to split the module's package when
 * that module is on the module path.
 */
public final class ListCodecs {
    private ListCodecs() {
    }

    public static void main(String[] args) {
        for (String name : List.of("snappy", "lz4", "zstd")) {
            CompressionCodec codec = CompressionCodecs.installed().byName(name);
            ByteBuffer batch = new RecordBatchBuilder(256).compression(codec)
                    .append(1L, null, ("hello " + name).getBytes(StandardCharsets.UTF_8)).build();
            List<Record> records = RecordBatchReader.defaults().batches(batch).next().records();
            System.out.println(name + " " + codec.getClass().getModule().getName() + " "
                    + new String(records.get(0).value(), StandardCharsets.UTF_8));
        }
    }
}
