import ArgumentParser
import DockerEngine
import Foundation

/// The options every local command shares: which engine, and where to spool images.
struct EngineOptions: ParsableArguments {
    @Option(name: .customLong("docker-host"), help: ArgumentHelp(
        "The Docker engine: unix:///path/to/docker.sock or tcp://host:port (default: $DOCKER_HOST, else unix:///var/run/docker.sock).",
        valueName: "url"
    ))
    var dockerHost: String?

    @Option(name: .customLong("work-dir"), help: ArgumentHelp(
        "Where the saved image is spooled while flattening (default: $TMPDIR, else /var/tmp). Needs about the image's size free.",
        valueName: "dir"
    ))
    var workDirectory: String?

    /// The engine named by `--docker-host`, else `DOCKER_HOST`, else the default socket.
    func host() throws -> DockerHost {
        if let dockerHost { return try DockerHost(parsing: dockerHost) }
        return try DockerHost.fromEnvironment()
    }

    /// The work directory to use.
    var resolvedWorkDirectory: String {
        if let workDirectory { return workDirectory }
        if let tmp = ProcessInfo.processInfo.environment["TMPDIR"], !tmp.isEmpty { return tmp }
        return "/var/tmp"
    }
}
