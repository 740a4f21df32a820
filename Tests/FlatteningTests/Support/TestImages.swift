import DockerEngine
import Foundation
import ImageArchive
import TestSupport

/// Builds images on the private engine for one test and removes them (and a scratch work
/// directory) afterwards. Every session's base image holds a marker file of its own, so its
/// layers are shared with no other test's images.
final class TestImages: @unchecked Sendable {
    // @unchecked: a session is used by one test at a time, from one task.

    let engine: DockerClient
    /// Which engine of the matrix this session runs on.
    let testEngine: TestEngine
    /// `flatten-test-<label>-<random>`: the repository of every image the session makes.
    let repository: String
    /// A fresh work directory for flattens.
    let workDirectory: String
    private var references: [String] = []

    static let applets = [
        "sh", "ls", "cat", "echo", "mkdir", "rm", "ln", "chmod", "chown", "touch", "cp", "mv", "true", "dd",
        "printf", "mkfifo", "setfattr", "head", "seq", "sleep",
    ]

    init(engine: DockerClient, testEngine: TestEngine, label: String) throws {
        self.engine = engine
        self.testEngine = testEngine
        repository = TestEnvironment.uniqueName(label)
        workDirectory = NSTemporaryDirectory() + "/" + repository
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
    }

    /// Runs `body` with a session, then removes what it made, whether `body` throws or not.
    static func with<Result: Sendable>(
        label: String,
        on testEngine: TestEngine,
        _ body: (TestImages) async throws -> Result
    ) async throws -> Result {
        try await testEngine.withClient { engine in
            let images = try TestImages(engine: engine, testEngine: testEngine, label: label)
            do {
                let result = try await body(images)
                await images.cleanup()
                return result
            } catch {
                await images.cleanup()
                throw error
            }
        }
    }

    /// Remembers a reference or ID to remove at the end.
    func track(_ reference: String) {
        references.append(reference)
    }

    func cleanup() async {
        for reference in references.reversed() {
            _ = try? await engine.removeImage(reference, force: true)
        }
        try? FileManager.default.removeItem(atPath: workDirectory)
    }

    /// The base root file system: static busybox with applet links, /etc, /tmp, and a marker.
    func rootfs() throws -> [UInt8] {
        guard let busybox = FileManager.default.contents(atPath: "/usr/bin/busybox") else {
            throw TestEnvironment.MissingVariable(name: "busybox (install busybox-static: /usr/bin/busybox)")
        }
        let time = TarTimestamp(seconds: 1_700_000_000)
        var tar = TarWriter()
        for directory in ["bin", "etc", "var"] {
            try tar.append(TarEntry(name: ByteString(directory + "/"), kind: .directory, mode: 0o755, modificationTime: time))
        }
        try tar.append(TarEntry(name: "tmp/", kind: .directory, mode: 0o1777, modificationTime: time))
        try tar.append(TarEntry(name: "bin/busybox", kind: .regular, mode: 0o755, size: Int64(busybox.count), modificationTime: time), contents: Array(busybox))
        for applet in Self.applets {
            try tar.append(TarEntry(name: ByteString("bin/" + applet), kind: .symbolicLink, mode: 0o777, modificationTime: time, linkName: "busybox"))
        }
        let marker = Array("\(repository)\n".utf8)
        try tar.append(TarEntry(name: "etc/test-session", kind: .regular, mode: 0o644, size: Int64(marker.count), modificationTime: time), contents: marker)
        return tar.finish()
    }

    /// Imports the base image as `<repository>:base`.
    func base(changes: [String] = ["CMD [\"sh\"]"]) async throws -> String {
        let reference = "\(repository):base"
        _ = try await engine.importImage(source: .bytes(try rootfs()), repository: repository, tag: "base", changes: changes, message: "flatten-fleet test base")
        track(reference)
        return reference
    }

    /// Builds `dockerfile` (with `files` in the context) as `<repository>:<tag>`.
    @discardableResult
    func build(_ tag: String, _ dockerfile: String, files: [String: [UInt8]] = [:]) async throws -> String {
        let reference = "\(repository):\(tag)"
        var tar = TarWriter()
        let text = Array(dockerfile.utf8)
        try tar.append(TarEntry(name: "Dockerfile", kind: .regular, size: Int64(text.count)), contents: text)
        for (name, contents) in files.sorted(by: { $0.key < $1.key }) {
            try tar.append(TarEntry(name: ByteString(name), kind: .regular, size: Int64(contents.count)), contents: contents)
        }
        track(reference)
        // Podman's build cache check fails ("layer not known") when another test removes an
        // image meanwhile; every session's images are its own, so the cache buys nothing.
        try await engine.buildImage(context: .bytes(tar.finish()), tag: reference, noCache: testEngine.isPodman)
        return reference
    }

    /// The typical image: several layers, deletions, an overwrite, hard and symbolic links, a
    /// FIFO, an opaque directory, a metadata-only layer and a full runtime config.
    func application(_ tag: String = "app", stopSignal: Bool = false) async throws -> String {
        let base = try await base()
        return try await build(tag, """
            FROM \(base)
            RUN mkdir -p /data/sub /data/gone /opt/app && dd if=/dev/zero of=/data/big bs=1k count=300 2>/dev/null \
                && echo one > /data/keep && echo doomed > /data/gone/file && echo v1 > /opt/app/config \
                && echo linked > /data/sub/target && ln /data/sub/target /data/hard && ln -s ../keep /data/sub/link
            RUN rm -rf /data/big /data/gone && echo v2 > /opt/app/config && mkfifo /data/fifo && chmod 0600 /data/keep \
                && printf 'a\\nb\\n' > /data/two-lines
            RUN rm -rf /opt/app && mkdir -p /opt/app && echo fresh > /opt/app/new && chmod 4755 /data/sub/target
            ENV APP_MODE=test PATH=/bin
            WORKDIR /data
            \(stopSignal ? "STOPSIGNAL SIGUSR1" : "")
            HEALTHCHECK --interval=7s --retries=2 CMD ["true"]
            ONBUILD RUN echo child
            EXPOSE 8080 53/udp
            VOLUME /vol
            LABEL org.example.name="flatten test" other=value
            USER 1000:1000
            ENTRYPOINT ["sh", "-c"]
            CMD ["echo hello"]
            """)
    }
}
