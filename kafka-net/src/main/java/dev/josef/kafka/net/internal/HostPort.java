package dev.josef.kafka.net.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A broker address as Kafka writes it: {@code host:port}, or {@code [v6-address]:port}. */
public record HostPort(String host, int port) {

    public HostPort {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, was " + port + " for host " + host);
        }
    }

    public static HostPort parse(String text) {
        String s = Objects.requireNonNull(text, "address").trim();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("not a host:port address: '" + text + "'");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("an IPv6 address needs brackets, as in [::1]:9092: '" + text + "'");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a port number in '" + text + "'", e);
        }
        return new HostPort(host, port);
    }

    /** A comma-separated list, as in bootstrap.servers. */
    public static List<HostPort> parseList(String text) {
        List<HostPort> list = new ArrayList<>();
        for (String part : Objects.requireNonNull(text, "addresses").split(",")) {
            if (!part.isBlank()) {
                list.add(parse(part));
            }
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("no addresses in '" + text + "'");
        }
        return list;
    }

    @Override
    public String toString() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
