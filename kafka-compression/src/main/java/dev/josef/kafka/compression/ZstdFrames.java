package dev.josef.kafka.compression;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The frames of a zstd payload, walked block by block before anything is
 * decoded. The walk reads only headers (three bytes a block), and checks what
 * aircompressor's decoders would otherwise take on trust:
 * <ul>
 *   <li>every block lies within the input and is at most 128 KiB, as the format
 *       requires;</li>
 *   <li>a frame's declared content size is no more than its blocks can hold, so
 *       a buffer sized from it is sized from bytes that are really there;</li>
 *   <li>no block reuses a Huffman table ("treeless" literals) before the frame
 *       has defined one: a reused decoder would otherwise decode it with the
 *       table of another batch instead of failing.</li>
 * </ul>
 */
final class ZstdFrames {
    static final int FRAME_MAGIC = 0xFD2FB528;
    static final int MAX_BLOCK_SIZE = 128 * 1024;

    private static final int RAW_BLOCK = 0;
    private static final int RLE_BLOCK = 1;
    private static final int COMPRESSED_BLOCK = 2;
    private static final int COMPRESSED_LITERALS = 2;
    private static final int TREELESS_LITERALS = 3;

    private ZstdFrames() {
    }

    /**
     * What a frame's header declares, read without trusting it: its size,
     * whether it is a single segment (no window: a streaming decoder keeps the
     * whole content), its window (the content size for a single segment), its
     * content size (-1 when not given) and whether a checksum ends it.
     */
    record Header(int size, boolean singleSegment, long window, long contentSize, boolean checksum) {

        /** The header at {@code p}, or null when there is no whole zstd frame header there. */
        static Header parse(byte[] b, int p, int limit) {
            if (limit - p < 5 || BlockInputStream.readIntLE(b, p) != FRAME_MAGIC) {
                return null;
            }
            int descriptor = b[p + 4] & 0xFF;
            boolean singleSegment = (descriptor & 0x20) != 0;
            int dictionaryBytes = new int[] {0, 1, 2, 4}[descriptor & 0x3];
            int contentSizeBytes = new int[] {singleSegment ? 1 : 0, 2, 4, 8}[descriptor >>> 6];
            int size = 5 + (singleSegment ? 0 : 1) + dictionaryBytes + contentSizeBytes;
            if (limit - p < size) {
                return null;
            }
            int q = p + size - contentSizeBytes;
            long contentSize = switch (contentSizeBytes) {
                case 1 -> b[q] & 0xFF;
                case 2 -> ((b[q] & 0xFF) | (b[q + 1] & 0xFF) << 8) + 256;
                case 4 -> BlockInputStream.readIntLE(b, q) & 0xFFFF_FFFFL;
                case 8 -> (BlockInputStream.readIntLE(b, q) & 0xFFFF_FFFFL)
                        | (long) BlockInputStream.readIntLE(b, q + 4) << 32;
                default -> -1;
            };
            boolean checksum = (descriptor & 0x04) != 0;
            if (singleSegment) {
                return new Header(size, true, contentSize, contentSize, checksum);
            }
            int windowByte = b[p + 5] & 0xFF;
            long window = 1L << (10 + (windowByte >>> 3));
            window += (window >>> 3) * (windowByte & 0x7);
            return new Header(size, false, window, contentSize, checksum);
        }
    }

    /** One frame: where it starts and ends in the input, its header, and the most its blocks can decode to. */
    record Frame(int start, int end, Header header, long contentBound) {
    }

    /** Every frame of {@code b[start..limit)}, in order; none for empty input. */
    static List<Frame> scan(byte[] b, int start, int limit) throws IOException {
        List<Frame> frames = new ArrayList<>(1);
        int p = start;
        while (p < limit) {
            Header header = Header.parse(b, p, limit);
            if (header == null) {
                throw new IOException((limit - p < 5 ? "truncated zstd frame header" : "no zstd frame")
                        + " at byte " + (p - start) + " of " + (limit - start));
            }
            int q = p + header.size();
            long content = 0;
            boolean tableDefined = false;
            boolean last = false;
            while (!last) {
                if (limit - q < 3) {
                    throw new IOException("truncated zstd frame: a block header at byte " + (q - start)
                            + " needs 3 bytes, " + (limit - q) + " left");
                }
                int blockHeader = (b[q] & 0xFF) | (b[q + 1] & 0xFF) << 8 | (b[q + 2] & 0xFF) << 16;
                q += 3;
                last = (blockHeader & 1) != 0;
                int type = (blockHeader >>> 1) & 0x3;
                int size = blockHeader >>> 3;
                if (size > MAX_BLOCK_SIZE) {
                    throw new IOException("zstd block of " + size + " bytes is larger than the format's "
                            + MAX_BLOCK_SIZE);
                }
                int stored = switch (type) {
                    case RAW_BLOCK, COMPRESSED_BLOCK -> size;
                    case RLE_BLOCK -> 1;
                    default -> throw new IOException("zstd block at byte " + (q - 3 - start) + " has the reserved type 3");
                };
                if (limit - q < stored) {
                    throw new IOException("truncated zstd frame: a block of " + stored + " bytes at byte "
                            + (q - start) + ", " + (limit - q) + " left");
                }
                if (type == COMPRESSED_BLOCK) {
                    if (size == 0) {
                        throw new IOException("zstd compressed block at byte " + (q - 3 - start) + " is empty");
                    }
                    int literals = b[q] & 0x3;
                    if (literals == TREELESS_LITERALS && !tableDefined) {
                        throw new IOException("zstd block at byte " + (q - 3 - start)
                                + " reuses a Huffman table its frame never defined");
                    }
                    tableDefined |= literals == COMPRESSED_LITERALS;
                    content += MAX_BLOCK_SIZE;
                } else {
                    content += size;
                }
                q += stored;
            }
            if (header.checksum()) {
                if (limit - q < 4) {
                    throw new IOException("truncated zstd frame: its checksum needs 4 bytes, " + (limit - q) + " left");
                }
                q += 4;
            }
            if (header.contentSize() > content) {
                throw new IOException("zstd frame declares " + header.contentSize()
                        + " bytes of content but its blocks hold at most " + content);
            }
            frames.add(new Frame(p, q, header, content));
            p = q;
        }
        return frames;
    }
}
