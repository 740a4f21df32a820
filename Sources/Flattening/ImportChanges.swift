import DockerEngine
import Foundation

/// The Dockerfile instructions that restore an image's runtime configuration on an image
/// imported from a filesystem tar (`POST /images/create?fromSrc=-&changes=…`), and what cannot be
/// restored that way.
///
/// Values are written so that the engine's instruction parser gives them back exactly: exec
/// forms as JSON arrays, `ENV` and `LABEL` as double-quoted `"key"="value"` pairs with `\`, `"`
/// and `$` escaped (the parser expands variables), `WORKDIR` and `USER` with `\` and `$` escaped.
/// A value the one-line form cannot carry (a newline) is reported instead.
public struct ImportChanges: Sendable, Hashable {
    /// An instruction an engine may or may not accept in `changes`.
    public enum Instruction: String, Sendable, Hashable, CaseIterable {
        case cmd = "CMD", entrypoint = "ENTRYPOINT", env = "ENV", workdir = "WORKDIR", user = "USER"
        case expose = "EXPOSE", volume = "VOLUME", label = "LABEL", stopSignal = "STOPSIGNAL"
        case healthcheck = "HEALTHCHECK", onBuild = "ONBUILD", shell = "SHELL"
    }

    /// One `changes` value: an instruction line.
    public struct Change: Sendable, Hashable {
        public var instruction: Instruction
        public var line: String
    }

    /// One `changes` value per instruction line, in the order to send them.
    public var changes: [Change]
    /// What could not be written as a change, for the result's warnings.
    public var unrepresentable: [String]

    /// How an engine reads a change's values.
    public enum Dialect: Sendable, Hashable {
        /// Docker's Dockerfile parser: quotes group, `\` escapes, `$` expands.
        case docker
        /// Podman's: one `KEY=VALUE` per ENV or LABEL, an outer pair of quotes stripped, the
        /// rest taken literally (no escapes, no expansion).
        case podman
    }

    /// The instructions needed to restore `config` on an engine that reads `dialect`.
    public init(config: ContainerConfig?, dialect: Dialect = .docker) {
        var changes: [Change] = []
        func quoted(_ text: String) -> String { dialect == .docker ? Self.quoted(text) : "\"" + text + "\"" }
        func escaped(_ text: String) -> String { dialect == .docker ? Self.escaped(text) : text }
        var unrepresentable: [String] = []
        let config = config ?? ContainerConfig()

        func add(_ instruction: Instruction, _ line: String, field: String) {
            if line.contains(where: \.isNewline) {
                unrepresentable.append("\(field) (\(String(reflecting: line))) spans several lines, which an import change cannot carry")
            } else {
                changes.append(Change(instruction: instruction, line: line))
            }
        }
        if let env = config.env, !env.isEmpty {
            for entry in env {
                guard let equals = entry.firstIndex(of: "=") else {
                    unrepresentable.append("Env entry \(String(reflecting: entry)) has no '='")
                    continue
                }
                let key = String(entry[..<equals])
                let value = String(entry[entry.index(after: equals)...])
                add(.env, "ENV \(quoted(key))=\(quoted(value))", field: "Env \(key)")
            }
        }
        if let labels = config.labels {
            for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
                add(.label, "LABEL \(quoted(key))=\(quoted(value))", field: "Label \(key)")
            }
        }
        if let workingDir = config.workingDir, !workingDir.isEmpty {
            add(.workdir, "WORKDIR \(escaped(workingDir))", field: "WorkingDir")
        }
        if let user = config.user, !user.isEmpty {
            add(.user, "USER \(escaped(user))", field: "User")
        }
        if let ports = config.exposedPorts, !ports.isEmpty {
            // One change per port: Podman reads only the first port of an EXPOSE change.
            for port in ports { add(.expose, "EXPOSE \(port)", field: "ExposedPorts") }
        }
        if let volumes = config.volumes, !volumes.isEmpty {
            if volumes.contains(where: { $0.contains("$") }) {
                unrepresentable.append("Volumes \(volumes) contain '$', which an import change would expand")
            } else {
                add(.volume, "VOLUME " + Self.jsonArray(volumes), field: "Volumes")
            }
        }
        if let stopSignal = config.stopSignal, !stopSignal.isEmpty {
            add(.stopSignal, "STOPSIGNAL \(escaped(stopSignal))", field: "StopSignal")
        }
        if let healthcheck = config.healthcheck {
            switch Self.healthcheckLine(healthcheck) {
            case .success(let line): add(.healthcheck, line, field: "Healthcheck")
            case .failure(let reason): unrepresentable.append("Healthcheck: \(reason.text)")
            }
        }
        if let triggers = config.onBuild {
            for trigger in triggers {
                add(.onBuild, "ONBUILD \(trigger)", field: "OnBuild trigger")
            }
        }
        if let shell = config.shell, !shell.isEmpty {
            add(.shell, "SHELL " + Self.jsonArray(shell), field: "Shell")
        }
        // Entrypoint before Cmd: the parser resets Cmd when it reads ENTRYPOINT.
        if let entrypoint = config.entrypoint, !entrypoint.isEmpty {
            add(.entrypoint, "ENTRYPOINT " + Self.jsonArray(entrypoint), field: "Entrypoint")
        }
        if let cmd = config.cmd, !cmd.isEmpty {
            add(.cmd, "CMD " + Self.jsonArray(cmd), field: "Cmd")
        }
        self.changes = changes
        self.unrepresentable = unrepresentable
    }

    /// The instructions used, without repeats.
    public var instructions: Set<Instruction> { Set(changes.map(\.instruction)) }

    /// The lines, without the instructions in `unsupported`.
    public func lines(excluding unsupported: Set<Instruction> = []) -> [String] {
        changes.filter { !unsupported.contains($0.instruction) }.map(\.line)
    }

    // MARK: Encoding values

    struct Reason: Error, Equatable { var text: String }

    static func healthcheckLine(_ healthcheck: ContainerConfig.Healthcheck) -> Result<String, Reason> {
        guard let test = healthcheck.test, let kind = test.first else {
            return .failure(Reason(text: "a health check without a test (inheriting one) cannot be written as a change"))
        }
        var flags: [String] = []
        if let interval = healthcheck.interval, interval > 0 { flags.append("--interval=\(interval)ns") }
        if let timeout = healthcheck.timeout, timeout > 0 { flags.append("--timeout=\(timeout)ns") }
        if let start = healthcheck.startPeriod, start > 0 { flags.append("--start-period=\(start)ns") }
        if let retries = healthcheck.retries, retries > 0 { flags.append("--retries=\(retries)") }
        let prefix = (["HEALTHCHECK"] + flags).joined(separator: " ")
        switch kind {
        case "NONE":
            return .success("HEALTHCHECK NONE")
        case "CMD":
            return .success(prefix + " CMD " + jsonArray(Array(test.dropFirst())))
        case "CMD-SHELL":
            guard test.count == 2 else {
                return .failure(Reason(text: "a CMD-SHELL test with \(test.count - 1) arguments cannot be written as a change"))
            }
            // The shell form of CMD becomes CMD-SHELL with the text as written.
            return .success(prefix + " CMD " + test[1])
        default:
            return .failure(Reason(text: "unknown test kind \(String(reflecting: kind))"))
        }
    }

    /// `"text"` with `\`, `"` and `$` escaped.
    static func quoted(_ text: String) -> String {
        "\"" + escaped(text, alsoEscaping: "\"") + "\""
    }

    /// `text` with `\` and `$` (and `alsoEscaping`) escaped by a backslash.
    static func escaped(_ text: String, alsoEscaping extra: Character? = nil) -> String {
        var result = ""
        for character in text {
            if character == "\\" || character == "$" || character == extra {
                result.append("\\")
            }
            result.append(character)
        }
        return result
    }

    /// A JSON array of strings, as the exec form reads it.
    static func jsonArray(_ values: [String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = (try? encoder.encode(values)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
