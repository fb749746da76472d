package dev.josef.kafka.generator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The model of one JSON message spec, as far as code generation needs it. */
final class Specs {
    private Specs() {
    }

    /** A field's type: a primitive, an array of a type, or a struct by name. */
    record Type(String name, Type element) {
        static Type parse(String text) {
            if (text.startsWith("[]")) {
                return new Type("[]", parse(text.substring(2)));
            }
            return new Type(text, null);
        }

        boolean isArray() {
            return element != null;
        }

        boolean isStruct() {
            return !isArray() && Character.isUpperCase(name.charAt(0));
        }

        boolean is(String primitive) {
            return !isArray() && name.equals(primitive);
        }

        /** Bytes a value always takes, or -1 when the length varies. */
        int fixedSize() {
            if (isArray() || isStruct()) {
                return -1;
            }
            switch (name) {
                case "bool":
                case "int8":
                    return 1;
                case "int16":
                case "uint16":
                    return 2;
                case "int32":
                case "uint32":
                    return 4;
                case "int64":
                case "float64":
                    return 8;
                case "uuid":
                    return 16;
                default:
                    return -1;
            }
        }

        @Override
        public String toString() {
            return isArray() ? "[]" + element : name;
        }
    }

    static final class Field {
        final String name;
        final Type type;
        final Versions versions;
        final Versions nullableVersions;
        final Versions taggedVersions;
        final int tag;
        final String defaultValue;
        final boolean ignorable;
        final boolean mapKey;
        final boolean zeroCopy;
        /** A field-level override of the message's flexible versions (RequestHeader's ClientId). */
        final Versions flexibleVersions;
        final List<Field> fields;

        Field(Map<String, Object> json) {
            name = (String) json.get("name");
            type = Type.parse((String) json.get("type"));
            versions = Versions.parse((String) json.get("versions"), Versions.NONE);
            nullableVersions = Versions.parse((String) json.get("nullableVersions"), Versions.NONE);
            taggedVersions = Versions.parse((String) json.get("taggedVersions"), Versions.NONE);
            tag = json.containsKey("tag") ? ((Number) json.get("tag")).intValue() : -1;
            Object d = json.get("default");
            defaultValue = d == null ? null : d.toString();
            ignorable = Boolean.TRUE.equals(json.get("ignorable"));
            mapKey = Boolean.TRUE.equals(json.get("mapKey"));
            zeroCopy = Boolean.TRUE.equals(json.get("zeroCopy"));
            flexibleVersions = json.containsKey("flexibleVersions")
                    ? Versions.parse((String) json.get("flexibleVersions"), Versions.NONE) : null;
            fields = parseFields(json.get("fields"));
            if (!taggedVersions.isEmpty() && tag < 0) {
                throw new IllegalArgumentException("field " + name + " has taggedVersions but no tag");
            }
        }

        boolean isTaggedSomewhere() {
            return !taggedVersions.isEmpty();
        }

        /** Versions in which the field is written in the regular, ordered part of its struct. */
        Versions untaggedVersions() {
            if (taggedVersions.isEmpty()) {
                return versions;
            }
            // Specs only tag from a version onwards; before it the field is regular.
            if (taggedVersions.lowest() <= versions.lowest()) {
                return Versions.NONE;
            }
            return versions.intersect(new Versions(versions.lowest(), (short) (taggedVersions.lowest() - 1)));
        }

        Versions presentTaggedVersions() {
            return versions.intersect(taggedVersions);
        }

        boolean defaultIsNull() {
            return "null".equals(defaultValue);
        }

        String camelName() {
            return Character.toLowerCase(name.charAt(0)) + name.substring(1);
        }

        /** A few specs spell a name lowerCamel ("timeoutMs"); setters and finders need it UpperCamel. */
        String pascalName() {
            return Character.toUpperCase(name.charAt(0)) + name.substring(1);
        }
    }

    static final class Struct {
        final String name;
        final Versions versions;
        final List<Field> fields;

        Struct(String name, Versions versions, List<Field> fields) {
            this.name = name;
            this.versions = versions;
            this.fields = fields;
        }

        boolean hasMapKeys() {
            return fields.stream().anyMatch(f -> f.mapKey);
        }
    }

    static final class Message {
        final String name;
        final String type;
        final int apiKey;
        final Versions validVersions;
        final Versions flexibleVersions;
        final boolean latestVersionUnstable;
        final List<String> listeners;
        final Struct root;
        /** Every struct of the message, nested or common, by name. */
        final Map<String, Struct> structs = new LinkedHashMap<>();

        @SuppressWarnings("unchecked")
        Message(Map<String, Object> json) {
            name = (String) json.get("name");
            type = (String) json.get("type");
            apiKey = json.containsKey("apiKey") ? ((Number) json.get("apiKey")).intValue() : -1;
            validVersions = Versions.parse((String) json.get("validVersions"), Versions.NONE);
            flexibleVersions = Versions.parse((String) json.get("flexibleVersions"), Versions.NONE);
            latestVersionUnstable = Boolean.TRUE.equals(json.get("latestVersionUnstable"));
            listeners = json.containsKey("listeners") ? (List<String>) json.get("listeners") : List.of();
            root = new Struct(name, validVersions, parseFields(json.get("fields")));
            List<Object> common = json.containsKey("commonStructs") ? (List<Object>) json.get("commonStructs") : List.of();
            for (Object o : common) {
                Map<String, Object> c = (Map<String, Object>) o;
                Struct s = new Struct((String) c.get("name"),
                        Versions.parse((String) c.get("versions"), Versions.ALL), parseFields(c.get("fields")));
                register(s);
                collect(s.fields);
            }
            collect(root.fields);
            for (Struct s : structs.values()) {
                checkTypes(s);
            }
            checkTypes(root);
        }

        private void collect(List<Field> fields) {
            for (Field f : fields) {
                if (!f.fields.isEmpty()) {
                    Type t = f.type.isArray() ? f.type.element() : f.type;
                    register(new Struct(t.name(), f.versions, f.fields));
                    collect(f.fields);
                }
            }
        }

        private void register(Struct s) {
            if (structs.putIfAbsent(s.name, s) != null) {
                throw new IllegalArgumentException(name + ": struct " + s.name + " is defined twice");
            }
        }

        private void checkTypes(Struct s) {
            for (Field f : s.fields) {
                Type t = f.type.isArray() ? f.type.element() : f.type;
                if (t.isStruct() && !structs.containsKey(t.name())) {
                    throw new IllegalArgumentException(name + ": field " + f.name + " has unknown type " + t);
                }
            }
        }

        Struct struct(Type t) {
            return structs.get(t.isArray() ? t.element().name : t.name());
        }

        boolean isApiMessage() {
            return type.equals("request") || type.equals("response");
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Field> parseFields(Object json) {
        List<Field> fields = new ArrayList<>();
        if (json != null) {
            for (Object o : (List<Object>) json) {
                fields.add(new Field((Map<String, Object>) o));
            }
        }
        return fields;
    }
}
