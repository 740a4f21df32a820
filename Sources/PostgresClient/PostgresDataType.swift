/// A PostgreSQL data type, identified by its OID (`pg_type.oid`).
///
/// Built-in types have fixed OIDs; types made by `CREATE TYPE` (enums, composites, domains) and
/// extensions get OIDs of `16384` and above, which differ between databases.
public struct PostgresDataType: Hashable, Sendable, CustomStringConvertible {
    /// The type's OID.
    public let oid: UInt32

    public init(oid: UInt32) {
        self.oid = oid
    }

    /// No type given: the server infers a parameter's type from where it is used.
    public static let unspecified = PostgresDataType(oid: 0)
    public static let bool = PostgresDataType(oid: 16)
    public static let bytea = PostgresDataType(oid: 17)
    public static let char = PostgresDataType(oid: 18)
    public static let name = PostgresDataType(oid: 19)
    public static let int8 = PostgresDataType(oid: 20)
    public static let int2 = PostgresDataType(oid: 21)
    public static let int4 = PostgresDataType(oid: 23)
    public static let text = PostgresDataType(oid: 25)
    public static let oidType = PostgresDataType(oid: 26)
    public static let json = PostgresDataType(oid: 114)
    public static let xml = PostgresDataType(oid: 142)
    public static let float4 = PostgresDataType(oid: 700)
    public static let float8 = PostgresDataType(oid: 701)
    public static let unknown = PostgresDataType(oid: 705)
    public static let nameArray = PostgresDataType(oid: 1003)
    public static let bpcharArray = PostgresDataType(oid: 1014)
    public static let textArray = PostgresDataType(oid: 1009)
    public static let varcharArray = PostgresDataType(oid: 1015)
    public static let bpchar = PostgresDataType(oid: 1042)
    public static let varchar = PostgresDataType(oid: 1043)
    public static let date = PostgresDataType(oid: 1082)
    public static let timestamp = PostgresDataType(oid: 1114)
    public static let timestamptz = PostgresDataType(oid: 1184)
    public static let numeric = PostgresDataType(oid: 1700)
    public static let void = PostgresDataType(oid: 2278)
    public static let uuid = PostgresDataType(oid: 2950)
    public static let jsonb = PostgresDataType(oid: 3802)

    /// Whether the type was created in the database (enum, domain, extension type) rather than
    /// built in.
    public var isUserDefined: Bool { oid >= 16384 }

    /// The type's SQL name for built-in types this module knows (`int4`, `text`, `_text`, …),
    /// else `oid NNN`.
    public var description: String {
        Self.names[oid] ?? "oid \(oid)"
    }

    private static let names: [UInt32: String] = [
        0: "unspecified", 16: "bool", 17: "bytea", 18: "char", 19: "name", 20: "int8", 21: "int2",
        23: "int4", 25: "text", 26: "oid", 114: "json", 142: "xml", 700: "float4", 701: "float8",
        705: "unknown", 1000: "_bool", 1003: "_name", 1005: "_int2", 1007: "_int4", 1009: "_text",
        1014: "_bpchar", 1015: "_varchar", 1016: "_int8", 1021: "_float4", 1022: "_float8",
        1042: "bpchar", 1043: "varchar", 1082: "date", 1083: "time", 1114: "timestamp",
        1184: "timestamptz", 1186: "interval", 1266: "timetz", 1700: "numeric", 2278: "void",
        2950: "uuid", 2951: "_uuid", 3802: "jsonb", 3807: "_jsonb",
    ]
}
