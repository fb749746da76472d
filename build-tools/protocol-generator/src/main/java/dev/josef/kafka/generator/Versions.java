package dev.josef.kafka.generator;

/** A closed range of protocol versions as the specs write it: "3-13", "9+", "0", "none". */
record Versions(short lowest, short highest) {
    static final short MAX = Short.MAX_VALUE;
    static final Versions NONE = new Versions((short) 1, (short) 0);
    static final Versions ALL = new Versions((short) 0, MAX);

    static Versions parse(String text, Versions ifAbsent) {
        if (text == null) {
            return ifAbsent;
        }
        text = text.trim();
        if (text.isEmpty() || text.equals("none")) {
            return NONE;
        }
        if (text.endsWith("+")) {
            return new Versions(Short.parseShort(text.substring(0, text.length() - 1)), MAX);
        }
        int dash = text.indexOf('-');
        if (dash > 0) {
            return new Versions(Short.parseShort(text.substring(0, dash)), Short.parseShort(text.substring(dash + 1)));
        }
        short v = Short.parseShort(text);
        return new Versions(v, v);
    }

    boolean isEmpty() {
        return lowest > highest;
    }

    boolean contains(int version) {
        return version >= lowest && version <= highest;
    }

    Versions intersect(Versions other) {
        short lo = (short) Math.max(lowest, other.lowest);
        short hi = (short) Math.min(highest, other.highest);
        return lo > hi ? NONE : new Versions(lo, hi);
    }

    /**
     * A Java condition on the variable {@code version} that holds for the versions
     * of this range, simplified by what is already known: {@code within} is the
     * range the surrounding code can be at.
     */
    String condition(Versions within) {
        Versions effective = intersect(within);
        if (effective.isEmpty()) {
            return "false";
        }
        boolean lowCheck = effective.lowest > within.lowest;
        boolean highCheck = effective.highest < within.highest;
        if (lowCheck && highCheck) {
            return effective.lowest == effective.highest
                    ? "version == " + effective.lowest
                    : "(version >= " + effective.lowest + " && version <= " + effective.highest + ")";
        }
        if (lowCheck) {
            return "version >= " + effective.lowest;
        }
        if (highCheck) {
            return "version <= " + effective.highest;
        }
        return "true";
    }

    @Override
    public String toString() {
        if (isEmpty()) {
            return "none";
        }
        if (highest == MAX) {
            return lowest + "+";
        }
        return lowest == highest ? Short.toString(lowest) : lowest + "-" + highest;
    }
}
