import Foundation

/// A test service whose environment variable is missing: the test fails with what to do.
struct MissingEnvironment: Error, CustomStringConvertible {
    let variable: String

    var description: String {
        "\(variable) is not set: start the test services with `scripts/services start` and load them with `eval \"$(scripts/services env)\"`"
    }
}

/// A failure of the fleet harness, with the logs that explain it.
struct FleetTestError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

enum TestEnvironment {
    static func require(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw MissingEnvironment(variable: name)
        }
        return value
    }

    /// A short unique suffix for names, tags and databases of one test.
    static func uniqueSuffix() -> String {
        String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(10))
    }

    /// Polls `condition` until it answers a value or `timeout` passes.
    static func eventually<T>(
        _ what: String, timeout: Duration = .seconds(60), every interval: Duration = .milliseconds(200),
        _ condition: () async throws -> T?
    ) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let value = try await condition() { return value }
            guard ContinuousClock.now < deadline else {
                throw FleetTestError("timed out after \(timeout) waiting for \(what)")
            }
            try await Task.sleep(for: interval)
        }
    }
}
