import DockerEngine

/// The differences between two images' runtime configurations (the `Config` of image inspect)
/// as a person reads them: one line per differing field, with both values.
public enum RuntimeConfigComparison {
    /// The fields of `second` that differ from `first`, in a fixed order, for example
    /// `StopSignal: "SIGUSR1" became nil`.
    public static func differences(_ first: ContainerConfig?, _ second: ContainerConfig?) -> [String] {
        let a = first ?? ContainerConfig()
        let b = second ?? ContainerConfig()
        var result: [String] = []
        func compare<Value: Equatable>(_ name: String, _ x: Value?, _ y: Value?) {
            guard x != y else { return }
            result.append("\(name): \(render(x)) became \(render(y))")
        }
        compare("Cmd", emptyIsNil(a.cmd), emptyIsNil(b.cmd))
        compare("Entrypoint", emptyIsNil(a.entrypoint), emptyIsNil(b.entrypoint))
        compare("Env", emptyIsNil(a.env), emptyIsNil(b.env))
        compare("WorkingDir", emptyIsNil(a.workingDir), emptyIsNil(b.workingDir))
        compare("User", emptyIsNil(a.user), emptyIsNil(b.user))
        compare("ExposedPorts", emptyIsNil(a.exposedPorts), emptyIsNil(b.exposedPorts))
        compare("Volumes", emptyIsNil(a.volumes), emptyIsNil(b.volumes))
        compare("Labels", a.labels.map { $0.isEmpty ? nil : $0 } ?? nil, b.labels.map { $0.isEmpty ? nil : $0 } ?? nil)
        if emptyIsNil(a.stopSignal).map(StopSignal.canonical) != emptyIsNil(b.stopSignal).map(StopSignal.canonical) {
            compare("StopSignal", emptyIsNil(a.stopSignal), emptyIsNil(b.stopSignal))
        }
        compare("Healthcheck", a.healthcheck, b.healthcheck)
        compare("OnBuild", emptyIsNil(a.onBuild), emptyIsNil(b.onBuild))
        compare("Shell", emptyIsNil(a.shell), emptyIsNil(b.shell))
        return result
    }

    /// An empty value means the same as an absent one to the engine.
    private static func emptyIsNil<Value: Collection>(_ value: Value?) -> Value? {
        value?.isEmpty == true ? nil : value
    }

    private static func render<Value>(_ value: Value?) -> String {
        guard let value else { return "nil" }
        if let text = value as? String { return String(reflecting: text) }
        return String(describing: value)
    }
}
