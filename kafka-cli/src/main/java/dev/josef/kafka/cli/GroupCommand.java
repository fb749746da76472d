package dev.josef.kafka.cli;

import dev.josef.kafka.admin.Admin;
import dev.josef.kafka.admin.BrokerOutcome;
import dev.josef.kafka.admin.CommittedOffset;
import dev.josef.kafka.admin.GroupDescription;
import dev.josef.kafka.admin.GroupListing;
import dev.josef.kafka.admin.GroupOffsets;
import dev.josef.kafka.admin.GroupOutcome;
import dev.josef.kafka.admin.GroupState;
import dev.josef.kafka.admin.GroupType;
import dev.josef.kafka.admin.ListedGroup;
import dev.josef.kafka.admin.ListedOffset;
import dev.josef.kafka.admin.OffsetChange;
import dev.josef.kafka.admin.OffsetReset;
import dev.josef.kafka.admin.OffsetSpec;
import dev.josef.kafka.admin.OffsetsChange;
import dev.josef.kafka.admin.Outcome;
import dev.josef.kafka.admin.TopicDescription;
import dev.josef.kafka.protocol.ErrorCode;
import dev.josef.kafka.protocol.TopicPartition;

import java.io.PrintStream;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code josef group list|describe|delete|offsets|reset-offsets}: consumer
 * groups, classic and consumer (KIP-848), through kafka-admin. Output is plain
 * text in aligned columns, one header row first, as kcat prints it.
 */
final class GroupCommand {
    static final String USAGE = "usage: josef group list|describe|delete|offsets|reset-offsets -b HOST:PORT "
            + "[-g GROUP]... [options] [-X key=value]... [--config FILE]";
    private static final String HELP = String.join("\n", USAGE,
            "Consumer groups, classic and consumer (KIP-848).",
            "  list            every group with its type, state and coordinator",
            "      --type TYPES           only these types: classic, consumer, share, streams (comma-separated)",
            "      --state STATES         only these states: empty, stable, preparingrebalance, ... (comma-separated)",
            "  describe        each group's members (member id, client id, host, instance id, epoch in a",
            "                  consumer group, assigned partitions) and, per partition, the committed offset,",
            "                  the high watermark and the lag; every group without -g",
            "  delete          delete empty groups, with their committed offsets",
            "  offsets         a group's committed offsets, with leader epoch and metadata",
            "  reset-offsets   move an empty group's committed offsets, each clamped to its partition's log:",
            "      --to-earliest | --to-latest | --to-offset N | --shift-by N (negative: back) |",
            "      --to-datetime WHEN     the first record at or after WHEN: 2024-05-01T12:00:00Z,",
            "                             2024-05-01T12:00:00 (local time), 2024-05-01, or @EPOCH_MS",
            "      -t TOPIC[:P,P]         the topic's partitions (all, or those listed); repeatable",
            "      --all-topics           every partition the group has an offset for",
            "      --dry-run              print the plan, commit nothing",
            "  -g, --group GROUP        the group (repeatable for describe and delete)",
            "  -b, --bootstrap-server   the cluster: comma-separated host:port addresses",
            "  -X key=value             a kafka-clients admin property (repeatable)",
            "      --config FILE        kafka-clients properties from a file");
    private static final List<String> ACTIONS = List.of("list", "describe", "delete", "offsets", "reset-offsets");
    private static final List<String> RESETS = List.of("earliest", "latest", "datetime", "offset", "shift");

    private GroupCommand() {
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        return Cli.run("group", USAGE, err, () -> {
            Args args = new Args.Spec()
                    .repeatable("group", "-g", "--group")
                    .repeatable("topic", "-t", "--topic")
                    .value("type", "--type")
                    .value("state", "--state")
                    .flag("allTopics", "--all-topics")
                    .flag("earliest", "--to-earliest")
                    .flag("latest", "--to-latest")
                    .value("datetime", "--to-datetime")
                    .value("offset", "--to-offset")
                    .value("shift", "--shift-by")
                    .flag("dryRun", "--dry-run")
                    .parse(argv);
            if (args.has("help")) {
                out.println(HELP);
                return Josef.OK;
            }
            if (args.positional.size() != 1) {
                throw new Args.UsageException(args.positional.isEmpty()
                        ? "which action? list, describe, delete, offsets or reset-offsets"
                        : "one action at a time, not " + args.positional);
            }
            String action = args.positional.get(0);
            if (!ACTIONS.contains(action)) {
                throw new Args.UsageException("unknown action '" + action + "' (" + String.join(", ", ACTIONS) + ")");
            }
            // The command line is checked whole before the cluster is asked anything.
            onlyFor(args, action, "list", "type", "--type", "state", "--state");
            onlyFor(args, action, "reset-offsets", "topic", "-t", "allTopics", "--all-topics", "earliest",
                    "--to-earliest", "latest", "--to-latest", "datetime", "--to-datetime", "offset", "--to-offset",
                    "shift", "--shift-by", "dryRun", "--dry-run");
            List<String> groups = args.values("group");
            Set<GroupType> types = EnumSet.noneOf(GroupType.class);
            Set<GroupState> states = EnumSet.noneOf(GroupState.class);
            OffsetReset reset = null;
            switch (action) {
                case "list" -> {
                    if (!groups.isEmpty()) {
                        throw new Args.UsageException("list takes no -g; use describe for a group");
                    }
                    types = types(args.value("type"));
                    states = states(args.value("state"));
                }
                case "delete" -> {
                    if (groups.isEmpty()) {
                        throw new Args.UsageException("which group? use -g GROUP");
                    }
                }
                case "offsets" -> oneGroup(groups);
                case "reset-offsets" -> {
                    oneGroup(groups);
                    reset = reset(args);
                    if (args.has("allTopics") == args.has("topic")) {
                        throw new Args.UsageException("which partitions? use -t TOPIC[:P,P] (repeatable) or --all-topics");
                    }
                }
                default -> {
                    // describe: the groups named, or every group
                }
            }
            List<Map.Entry<String, List<Integer>>> topics = new ArrayList<>();
            for (String t : args.values("topic")) {
                topics.add(topicSpec(t));
            }
            Map<String, Object> properties = Cli.properties(args, "josef-group");
            try (Admin admin = Admin.create(Cli.network(properties))) {
                Cli.reach(admin, properties);
                return switch (action) {
                    case "list" -> list(admin, types, states, out, err);
                    case "describe" -> describe(admin, groups, out, err);
                    case "delete" -> delete(admin, groups, out, err);
                    case "offsets" -> offsets(admin, groups.get(0), out);
                    default -> resetOffsets(admin, groups.get(0), topics, reset, args.has("dryRun"), out);
                };
            }
        });
    }

    private static void onlyFor(Args args, String action, String owner, String... namesAndSpellings)
            throws Args.UsageException {
        if (action.equals(owner)) {
            return;
        }
        for (int i = 0; i < namesAndSpellings.length; i += 2) {
            if (args.has(namesAndSpellings[i])) {
                throw new Args.UsageException(namesAndSpellings[i + 1] + " is for josef group " + owner);
            }
        }
    }

    private static void oneGroup(List<String> groups) throws Args.UsageException {
        if (groups.size() != 1) {
            throw new Args.UsageException(groups.isEmpty() ? "which group? use -g GROUP" : "one group at a time, not "
                    + groups);
        }
    }

    // ------------------------------------------------------------------ list

    private static int list(Admin admin, Set<GroupType> types, Set<GroupState> states, PrintStream out,
                            PrintStream err) throws Cli.Failure {
        GroupListing listing = Cli.await(admin.listGroups(types, states), "cannot list groups");
        Table table = new Table("GROUP", "TYPE", "STATE", "PROTOCOL-TYPE", ">COORDINATOR");
        for (ListedGroup g : listing.groups()) {
            table.row(g.groupId(), g.type().wireName(), g.state(), g.protocolType().isEmpty() ? "-" : g.protocolType(),
                    g.coordinator());
        }
        table.print(out);
        boolean failed = false;
        for (BrokerOutcome b : listing.brokers().values()) {
            if (!b.succeeded()) {
                err.println("josef group: broker " + b.brokerId() + " did not list its groups: " + error(b));
                failed = true;
            }
        }
        return failed ? Josef.FAILED : Josef.OK;
    }

    static Set<GroupType> types(String list) throws Args.UsageException {
        Set<GroupType> types = EnumSet.noneOf(GroupType.class);
        for (String name : words(list)) {
            GroupType t = GroupType.fromWire(name);
            if (t == GroupType.UNKNOWN) {
                throw new Args.UsageException("unknown group type '" + name + "' (classic, consumer, share, streams)");
            }
            types.add(t);
        }
        return types;
    }

    static Set<GroupState> states(String list) throws Args.UsageException {
        Set<GroupState> states = EnumSet.noneOf(GroupState.class);
        for (String name : words(list)) {
            // PreparingRebalance, preparing-rebalance and PREPARING_REBALANCE all name one state.
            GroupState s = GroupState.fromWire(name.replace("-", "").replace("_", ""));
            if (s == GroupState.UNKNOWN) {
                throw new Args.UsageException("unknown group state '" + name + "' (empty, stable, preparingrebalance, "
                        + "completingrebalance, assigning, reconciling, notready, dead)");
            }
            states.add(s);
        }
        return states;
    }

    private static List<String> words(String list) {
        List<String> words = new ArrayList<>();
        if (list != null) {
            for (String w : list.split(",")) {
                if (!w.isBlank()) {
                    words.add(w.trim());
                }
            }
        }
        return words;
    }

    // -------------------------------------------------------------- describe

    private static int describe(Admin admin, List<String> named, PrintStream out, PrintStream err)
            throws Cli.Failure {
        List<String> ids = named;
        if (ids.isEmpty()) {
            GroupListing listing = Cli.await(admin.listGroups(), "cannot list groups");
            ids = listing.groups().stream().map(ListedGroup::groupId).toList();
        }
        if (ids.isEmpty()) {
            return Josef.OK;
        }
        Map<String, GroupDescription> described = Cli.await(admin.describeGroups(ids), "cannot describe groups");
        Map<String, GroupOffsets> offsets = Cli.await(admin.listGroupOffsets(ids), "cannot list the groups' offsets");
        boolean failed = false;
        boolean first = true;
        for (String id : ids) {
            GroupDescription d = described.get(id);
            if (!d.succeeded()) {
                err.println("josef group: " + (d.error() == ErrorCode.GROUP_ID_NOT_FOUND
                        ? "group '" + id + "' does not exist" : "cannot describe group '" + id + "': " + error(d)));
                failed = true;
                continue;
            }
            GroupOffsets committed = offsets.get(id);
            if (!committed.succeeded()) {
                err.println("josef group: cannot list the offsets of group '" + id + "': " + error(committed));
                failed = true;
            }
            if (!first) {
                out.println();
            }
            first = false;
            printGroup(admin, d, committed.succeeded() ? committed.offsets() : Map.of(), out);
        }
        return failed ? Josef.FAILED : Josef.OK;
    }

    private static void printGroup(Admin admin, GroupDescription d, Map<TopicPartition, CommittedOffset> committed,
                                   PrintStream out) throws Cli.Failure {
        boolean consumer = d.type() == GroupType.CONSUMER;
        StringBuilder head = new StringBuilder("group ").append(d.groupId()).append("  ").append(d.type().wireName());
        if (!consumer && !d.protocolType().isEmpty()) {
            head.append(" (protocol type ").append(d.protocolType()).append(')');
        }
        head.append(", ").append(d.state());
        if (!d.assignor().isEmpty()) {
            head.append(", assignor ").append(d.assignor());
        }
        if (consumer) {
            head.append(", group epoch ").append(d.groupEpoch());
        }
        head.append(", coordinator ").append(d.coordinator()).append(", ").append(d.members().size())
                .append(d.members().size() == 1 ? " member" : " members");
        out.println(head);

        Map<TopicPartition, String> owners = new HashMap<>();
        if (!d.members().isEmpty()) {
            Table members = consumer
                    ? new Table("MEMBER-ID", "CLIENT-ID", "HOST", "INSTANCE-ID", ">EPOCH", "PARTITIONS")
                    : new Table("MEMBER-ID", "CLIENT-ID", "HOST", "INSTANCE-ID", "PARTITIONS");
            for (GroupDescription.Member m : d.members()) {
                m.assignment().forEach(tp -> owners.put(tp, m.memberId()));
                String instance = m.groupInstanceId().orElse("-");
                if (consumer) {
                    members.row(m.memberId(), m.clientId(), m.clientHost(), instance, m.memberEpoch(),
                            partitions(m.assignment()));
                } else {
                    members.row(m.memberId(), m.clientId(), m.clientHost(), instance, partitions(m.assignment()));
                }
            }
            out.println();
            members.print(out);
        }

        TreeSet<TopicPartition> all = new TreeSet<>(committed.keySet());
        all.addAll(owners.keySet());
        if (all.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
        all.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, ListedOffset> ends = Cli.await(admin.listOffsets(latest), "cannot list the high watermarks");
        Table partitions = new Table("TOPIC", ">PARTITION", ">COMMITTED", ">HIGH-WATERMARK", ">LAG", "MEMBER-ID");
        for (TopicPartition tp : all) {
            CommittedOffset c = committed.get(tp);
            ListedOffset end = ends.get(tp);
            Long offset = c != null && c.succeeded() ? c.offset() : null;
            Long high = end != null && end.succeeded() ? end.offset() : null;
            Long lag = offset != null && high != null ? Math.max(0, high - offset) : null;
            partitions.row(tp.topic(), tp.partition(), offset, high, lag, owners.get(tp));
        }
        out.println();
        partitions.print(out);
    }

    /** {@code orders(0,1),payments(2)}; {@code -} for none. */
    static String partitions(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return "-";
        }
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        new TreeSet<>(partitions).forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>())
                .add(tp.partition()));
        List<String> parts = new ArrayList<>();
        byTopic.forEach((topic, ps) -> parts.add(topic + "(" + String.join(",",
                ps.stream().map(String::valueOf).toList()) + ")"));
        return String.join(",", parts);
    }

    // ---------------------------------------------------------------- delete

    private static int delete(Admin admin, List<String> groups, PrintStream out, PrintStream err) throws Cli.Failure {
        Map<String, GroupOutcome> deleted = Cli.await(admin.deleteGroups(groups), "cannot delete groups");
        boolean failed = false;
        for (GroupOutcome o : deleted.values()) {
            if (o.succeeded()) {
                out.println("deleted group " + o.groupId());
            } else {
                err.println("josef group: cannot delete group '" + o.groupId() + "': " + error(o));
                failed = true;
            }
        }
        return failed ? Josef.FAILED : Josef.OK;
    }

    // --------------------------------------------------------------- offsets

    private static int offsets(Admin admin, String group, PrintStream out) throws Cli.Failure {
        GroupOffsets o = Cli.await(admin.listGroupOffsets(List.of(group)), "cannot list the offsets of " + group)
                .get(group);
        if (!o.succeeded()) {
            throw new Cli.Failure("cannot list the offsets of group '" + group + "': " + error(o));
        }
        Table table = new Table("TOPIC", ">PARTITION", ">OFFSET", ">LEADER-EPOCH", "METADATA");
        for (CommittedOffset c : o.offsets().values()) {
            table.row(c.partition().topic(), c.partition().partition(), c.succeeded() ? c.offset() : error(c),
                    c.leaderEpoch() < 0 ? null : c.leaderEpoch(), c.metadata().isEmpty() ? null : c.metadata());
        }
        table.print(out);
        return Josef.OK;
    }

    // --------------------------------------------------------- reset-offsets

    static OffsetReset reset(Args args) throws Args.UsageException {
        List<String> given = RESETS.stream().filter(args::has).toList();
        if (given.size() != 1) {
            throw new Args.UsageException((given.isEmpty() ? "where to? " : "one target at a time: ")
                    + "use --to-earliest, --to-latest, --to-datetime WHEN, --to-offset N or --shift-by N");
        }
        return switch (given.get(0)) {
            case "earliest" -> OffsetReset.earliest();
            case "latest" -> OffsetReset.latest();
            case "datetime" -> OffsetReset.toTimestamp(epochMillis(args.value("datetime")));
            case "offset" -> OffsetReset.toOffset(number("--to-offset", args.value("offset"), 0));
            default -> OffsetReset.shiftBy(number("--shift-by", args.value("shift"), Long.MIN_VALUE));
        };
    }

    private static long number(String option, String value, long min) throws Args.UsageException {
        long n;
        try {
            n = Long.parseLong(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new Args.UsageException(option + " takes a whole number, not '" + value + "'");
        }
        if (n < min) {
            throw new Args.UsageException(option + " must be at least " + min + ", not " + n);
        }
        return n;
    }

    /** ISO-8601 with an offset or Z, a local date-time or date (this machine's zone, as kafka-consumer-groups), or @EPOCH_MS. */
    static long epochMillis(String when) throws Args.UsageException {
        if (when.startsWith("@")) {
            return number("--to-datetime", when.substring(1), 0);
        }
        try {
            return OffsetDateTime.parse(when).toInstant().toEpochMilli();
        } catch (DateTimeException notWithOffset) {
            try {
                return LocalDateTime.parse(when).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
            } catch (DateTimeException notLocal) {
                try {
                    return LocalDate.parse(when).atStartOfDay(ZoneId.systemDefault()).toInstant().toEpochMilli();
                } catch (DateTimeException notADate) {
                    throw new Args.UsageException("--to-datetime takes 2024-05-01T12:00:00Z, 2024-05-01T12:00:00, "
                            + "2024-05-01 or @EPOCH_MS, not '" + when + "'");
                }
            }
        }
    }

    /** {@code orders} (every partition) or {@code orders:0,2}. */
    static Map.Entry<String, List<Integer>> topicSpec(String spec) throws Args.UsageException {
        int colon = spec.indexOf(':');
        if (colon < 0) {
            return Map.entry(spec, List.of());
        }
        List<Integer> partitions = new ArrayList<>();
        for (String p : spec.substring(colon + 1).split(",")) {
            partitions.add(Args.integer("partition of -t " + spec, p.trim(), 0, Integer.MAX_VALUE));
        }
        return Map.entry(spec.substring(0, colon), partitions);
    }

    private static int resetOffsets(Admin admin, String group, List<Map.Entry<String, List<Integer>>> topics,
                                    OffsetReset reset, boolean dryRun, PrintStream out) throws Cli.Failure {
        List<TopicPartition> partitions = new ArrayList<>();
        if (topics.isEmpty()) {
            GroupOffsets committed = Cli.await(admin.listGroupOffsets(List.of(group)),
                    "cannot list the offsets of " + group).get(group);
            if (!committed.succeeded()) {
                throw new Cli.Failure("cannot list the offsets of group '" + group + "': " + error(committed));
            }
            if (committed.offsets().isEmpty()) {
                throw new Cli.Failure("group '" + group + "' has no committed offsets: name the topics with -t");
            }
            partitions.addAll(committed.offsets().keySet());
        }
        for (Map.Entry<String, List<Integer>> t : topics) {
            TopicDescription d = Cli.describe(admin, t.getKey());
            if (t.getValue().isEmpty()) {
                d.partitions().forEach(p -> partitions.add(new TopicPartition(t.getKey(), p.partition())));
                continue;
            }
            for (int p : t.getValue()) {
                if (p >= d.partitions().size()) {
                    throw new Cli.Failure("topic '" + t.getKey() + "' has " + d.partitions().size()
                            + " partitions, no partition " + p);
                }
                partitions.add(new TopicPartition(t.getKey(), p));
            }
        }
        List<TopicPartition> distinct = List.copyOf(new java.util.LinkedHashSet<>(partitions));
        OffsetsChange change = Cli.await(admin.resetGroupOffsets(group, distinct, reset, dryRun),
                "cannot reset the offsets of " + group);
        if (!change.succeeded() && change.partitions().values().stream().allMatch(c -> c.error() == change.error()
                && java.util.Objects.equals(c.errorMessage(), change.errorMessage()))) {
            // Refused as a whole (the group is not empty, say): the message says why.
            throw new Cli.Failure(change.errorMessage() != null ? change.errorMessage() : error(change));
        }
        boolean anyFailed = change.partitions().values().stream().anyMatch(c -> !c.succeeded());
        Table table = anyFailed ? new Table("TOPIC", ">PARTITION", ">PREVIOUS", ">NEW", "ERROR")
                : new Table("TOPIC", ">PARTITION", ">PREVIOUS", ">NEW");
        for (OffsetChange c : change.partitions().values()) {
            Long previous = c.previousOffset() < 0 ? null : c.previousOffset();
            Long next = c.offset() < 0 ? null : c.offset();
            if (anyFailed) {
                table.row(c.partition().topic(), c.partition().partition(), previous, next,
                        c.succeeded() ? null : c.error().name());
            } else {
                table.row(c.partition().topic(), c.partition().partition(), previous, next);
            }
        }
        table.print(out);
        if (!change.succeeded()) {
            throw new Cli.Failure(change.errorMessage() != null ? change.errorMessage() : error(change));
        }
        if (anyFailed) {
            throw new Cli.Failure("some partitions of group '" + group + "' were not reset; see ERROR above");
        }
        int n = change.partitions().size();
        out.println(dryRun
                ? "dry run: nothing was committed; group " + group + " is " + change.state()
                : "reset " + n + " partition" + (n == 1 ? "" : "s") + " of group " + group);
        return Josef.OK;
    }

    /** The error, with the broker's words about it or else what the error means. */
    private static String error(Outcome o) {
        return o.error().name() + " (" + (o.errorMessage() != null ? o.errorMessage() : o.error().message()) + ")";
    }
}
