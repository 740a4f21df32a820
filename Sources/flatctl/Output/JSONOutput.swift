import FlattenProtocol
import Foundation

/// `--json`: the coordinator's messages as the protocol module encodes them, indented.
enum JSONOutput {
    static func print<Value: Encodable>(_ value: Value) throws {
        let encoder = JSONEncoder.flattenProtocol
        encoder.outputFormatting.insert(.prettyPrinted)
        Terminal.write(String(decoding: try encoder.encode(value), as: UTF8.self) + "\n")
    }
}
