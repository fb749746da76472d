package dev.josef.kafka.generator;

import dev.josef.kafka.generator.Specs.Field;
import dev.josef.kafka.generator.Specs.Type;

/** How each spec type looks in Java: its type, its default, its reads and writes. */
final class Types {
    private Types() {
    }

    static String javaType(Type t, Field f) {
        if (t.isArray()) {
            return "List<" + boxed(t.element(), f) + ">";
        }
        if (t.isStruct()) {
            return t.name();
        }
        switch (t.name()) {
            case "bool": return "boolean";
            case "int8": return "byte";
            case "int16": return "short";
            case "uint16": return "int";
            case "int32": return "int";
            case "uint32": return "long";
            case "int64": return "long";
            case "float64": return "double";
            case "string": return "String";
            case "bytes": return f.zeroCopy ? "ByteBuffer" : "byte[]";
            case "records": return "ByteBuffer";
            case "uuid": return "Uuid";
            default: throw new IllegalArgumentException("unknown type " + t);
        }
    }

    static String boxed(Type t, Field f) {
        switch (javaType(t, f)) {
            case "boolean": return "Boolean";
            case "byte": return "Byte";
            case "short": return "Short";
            case "int": return "Integer";
            case "long": return "Long";
            case "double": return "Double";
            default: return javaType(t, f);
        }
    }

    static boolean isPrimitive(Type t) {
        return !t.isArray() && !t.isStruct() && t.fixedSize() > 0 && !t.is("uuid");
    }

    static String defaultValue(Field f) {
        Type t = f.type;
        String d = f.defaultValue == null ? "" : f.defaultValue;
        if (d.equals("null")) {
            return "null";
        }
        if (t.isArray()) {
            return "new ArrayList<>()";
        }
        if (t.isStruct()) {
            return "new " + t.name() + "()";
        }
        switch (t.name()) {
            case "bool":
                return d.isEmpty() ? "false" : Boolean.toString(Boolean.parseBoolean(d));
            case "int8":
                return "(byte) " + (d.isEmpty() ? "0" : Long.toString(parseInteger(d)));
            case "int16":
                return "(short) " + (d.isEmpty() ? "0" : Long.toString(parseInteger(d)));
            case "uint16":
            case "int32":
                return d.isEmpty() ? "0" : Long.toString(parseInteger(d));
            case "uint32":
            case "int64":
                return (d.isEmpty() ? "0" : Long.toString(parseInteger(d))) + "L";
            case "float64":
                return d.isEmpty() ? "0.0" : Double.toString(Double.parseDouble(d));
            case "string":
                return "\"" + d.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            case "bytes":
                return f.zeroCopy ? "EMPTY_BUFFER" : "EMPTY_BYTES";
            case "records":
                return "null";
            case "uuid":
                return d.isEmpty() ? "Uuid.ZERO" : "Uuid.fromString(\"" + d + "\")";
            default:
                throw new IllegalArgumentException("unknown type " + t);
        }
    }

    private static long parseInteger(String d) {
        if (d.startsWith("0x")) {
            return Long.parseLong(d.substring(2), 16);
        }
        if (d.startsWith("-0x")) {
            return -Long.parseLong(d.substring(3), 16);
        }
        return Long.parseLong(d);
    }

    /** A condition that holds when {@code expr}, known not to be null, equals the field's default. */
    static String nonNullIsDefault(Field f, String expr) {
        Type t = f.type;
        if (t.isArray()) {
            return expr + ".isEmpty()";
        }
        if (t.is("bytes")) {
            return f.zeroCopy ? "!" + expr + ".hasRemaining()" : expr + ".length == 0";
        }
        if (t.is("records")) {
            return "false";
        }
        if (t.is("float64")) {
            return "Double.compare(" + expr + ", " + defaultValue(f) + ") == 0";
        }
        if (isPrimitive(t)) {
            return expr + " == " + defaultValue(f);
        }
        if (f.defaultIsNull()) {
            return "false";
        }
        if (t.isStruct()) {
            // One shared default per field: comparing must not allocate on every write.
            return expr + ".equals(" + structDefaultConstant(f) + ")";
        }
        return expr + ".equals(" + defaultValue(f) + ")";
    }

    static String structDefaultConstant(Field f) {
        return "DEFAULT_" + upperSnake(f.name);
    }

    /** A condition that holds when the field's value equals its default (null included). */
    static String isDefault(Field f, String expr) {
        if (isPrimitive(f.type)) {
            return nonNullIsDefault(f, expr);
        }
        if (f.defaultIsNull()) {
            return expr + " == null";
        }
        return "(" + expr + " != null && " + nonNullIsDefault(f, expr) + ")";
    }

    static String readPrimitive(Type t) {
        switch (t.name()) {
            case "bool": return "reader.readBoolean()";
            case "int8": return "reader.readByte()";
            case "int16": return "reader.readShort()";
            case "uint16": return "reader.readUnsignedShort()";
            case "int32": return "reader.readInt()";
            case "uint32": return "reader.readUnsignedInt()";
            case "int64": return "reader.readLong()";
            case "float64": return "reader.readDouble()";
            case "uuid": return "reader.readUuid()";
            default: throw new IllegalArgumentException("not a fixed-size type: " + t);
        }
    }

    static String writePrimitive(Type t, String expr) {
        switch (t.name()) {
            case "bool": return "writer.writeBoolean(" + expr + ")";
            case "int8": return "writer.writeByte(" + expr + ")";
            case "int16": return "writer.writeShort(" + expr + ")";
            case "uint16": return "writer.writeUnsignedShort(" + expr + ")";
            case "int32": return "writer.writeInt(" + expr + ")";
            case "uint32": return "writer.writeUnsignedInt(" + expr + ")";
            case "int64": return "writer.writeLong(" + expr + ")";
            case "float64": return "writer.writeDouble(" + expr + ")";
            case "uuid": return "writer.writeUuid(" + expr + ")";
            default: throw new IllegalArgumentException("not a fixed-size type: " + t);
        }
    }

    /** Java's name for an UpperCamel spec name in UPPER_SNAKE form: "ApiVersions" to "API_VERSIONS". */
    static String upperSnake(String name) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (i > 0 && Character.isUpperCase(c)) {
                char prev = name.charAt(i - 1);
                boolean nextLower = i + 1 < name.length() && Character.isLowerCase(name.charAt(i + 1));
                if (Character.isLowerCase(prev) || Character.isDigit(prev) || (Character.isUpperCase(prev) && nextLower)) {
                    sb.append('_');
                }
            }
            sb.append(Character.toUpperCase(c));
        }
        return sb.toString();
    }
}
