package dev.josef.kafka.protocol.message;

import dev.josef.kafka.protocol.ProtocolException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Malformed frames: truncations, bit flips, overwritten length fields, inserted
 * and deleted bytes, applied to valid encodings of every message at every
 * version. Each decode must either succeed or throw {@link ProtocolException};
 * any other exception, a hang or an OutOfMemoryError fails the test.
 *
 * <p>The case count comes from {@code josef.fuzz.cases} (one million in the
 * build's normal test run).
 */
class MalformedInputFuzzTest {
    private static final int CASES = Integer.getInteger("josef.fuzz.cases", 1_000_000);

    private record Seed(RandomMessages.Spec spec, short version, byte[] bytes) {
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES) // a guard against hangs, not a performance bound
    void malformedFramesOnlyEverRaiseProtocolException() {
        Random random = new Random(20261122L);
        List<Seed> seeds = new ArrayList<>();
        for (RandomMessages.Spec spec : RandomMessages.SPECS) {
            for (short v = spec.lowestVersion(); v <= spec.highestVersion(); v++) {
                for (int i = 0; i < 2; i++) {
                    ByteBuffer b = RandomMessages.random(spec.name(), v, random).toByteBuffer(v);
                    byte[] bytes = new byte[b.remaining()];
                    b.get(bytes);
                    seeds.add(new Seed(spec, v, bytes));
                }
            }
        }
        int decoded = 0;
        int rejected = 0;
        for (int n = 0; n < CASES; n++) {
            Seed seed = seeds.get(random.nextInt(seeds.size()));
            byte[] mutated = mutate(seed.bytes, random);
            try {
                RandomMessages.read(seed.spec.name(), ByteBuffer.wrap(mutated), seed.version);
                decoded++;
            } catch (ProtocolException expected) {
                rejected++;
            } catch (RuntimeException | Error e) {
                throw new AssertionError("case " + n + ": " + seed.spec.name() + " v" + seed.version
                        + " raised " + e + " for bytes " + java.util.HexFormat.of().formatHex(mutated), e);
            }
        }
        assertThat(decoded + rejected).isEqualTo(CASES);
        // Both outcomes must occur, or the mutations are not reaching the decoder.
        assertThat(rejected).isGreaterThan(CASES / 10);
        assertThat(decoded).isPositive();
    }

    static byte[] mutate(byte[] in, Random r) {
        byte[] b = in.clone();
        switch (r.nextInt(6)) {
            case 0: // truncate
                return java.util.Arrays.copyOf(b, b.length == 0 ? 0 : r.nextInt(b.length));
            case 1: // flip bits
                for (int i = 0, n = 1 + r.nextInt(3); i < n && b.length > 0; i++) {
                    b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                }
                return b;
            case 2: { // overwrite four bytes with a hostile length
                if (b.length < 4) {
                    return b;
                }
                int at = r.nextInt(b.length - 3);
                int[] hostile = {-1, -2, Integer.MAX_VALUE, Integer.MIN_VALUE, 0x7fff, 0xffff, 1 << 20};
                ByteBuffer.wrap(b).putInt(at, hostile[r.nextInt(hostile.length)]);
                return b;
            }
            case 3: { // a never-ending varint
                if (b.length == 0) {
                    return b;
                }
                int at = r.nextInt(b.length);
                for (int i = at; i < Math.min(b.length, at + 6); i++) {
                    b[i] = (byte) 0xff;
                }
                return b;
            }
            case 4: { // delete a byte
                if (b.length == 0) {
                    return b;
                }
                int at = r.nextInt(b.length);
                byte[] out = new byte[b.length - 1];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + 1, out, at, b.length - at - 1);
                return out;
            }
            default: { // insert random bytes
                int at = b.length == 0 ? 0 : r.nextInt(b.length);
                byte[] extra = new byte[1 + r.nextInt(4)];
                r.nextBytes(extra);
                byte[] out = new byte[b.length + extra.length];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(extra, 0, out, at, extra.length);
                System.arraycopy(b, at, out, at + extra.length, b.length - at);
                return out;
            }
        }
    }
}
