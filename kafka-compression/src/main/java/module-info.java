/**
 * snappy, lz4 and zstd for Kafka record batches, in pure Java: no JNI library,
 * so nothing to unpack into /tmp, nothing that breaks on musl or an unusual
 * architecture. Put the module on the module path or the class path and
 * kafka-protocol finds the codecs through {@link java.util.ServiceLoader}.
 */
module dev.josef.kafka.compression {
    requires dev.josef.kafka.protocol;
    // aircompressor 2.x ships without a module descriptor or an Automatic-Module-Name,
    // so its automatic module is named after its jar. Keep the jar's Maven name
    // (aircompressor-2.x.y.jar) when assembling a module path.
    requires aircompressor;
    // For Unsafe.ARRAY_BYTE_BASE_OFFSET: aircompressor's streaming zstd decoder
    // takes array addresses the way Unsafe counts them.
    requires jdk.unsupported;

    exports dev.josef.kafka.compression;

    provides dev.josef.kafka.protocol.spi.CompressionCodec with
            dev.josef.kafka.compression.SnappyCodec,
            dev.josef.kafka.compression.Lz4Codec,
            dev.josef.kafka.compression.ZstdCodec;
}
