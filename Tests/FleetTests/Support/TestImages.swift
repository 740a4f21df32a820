import DockerEngine
import Foundation
import TestSupport

/// Multi-layer images built on the test engines through the Engine API, under unique tags.
enum TestImages {
    static let busyboxPath = "/usr/bin/busybox"

    /// The rootfs of the images: the static busybox with the applets the Dockerfiles use.
    static func rootfs() throws -> [UInt8] {
        guard let busybox = FileManager.default.contents(atPath: busyboxPath) else {
            throw FleetTestError("\(busyboxPath) is missing: install the static busybox (scripts/services start does)")
        }
        var tar = TinyTar()
        tar.addDirectory("bin")
        tar.addFile("bin/busybox", contents: Array(busybox), mode: 0o755)
        for applet in ["sh", "dd", "rm", "echo", "cat", "ls", "sleep"] {
            tar.addSymlink("bin/\(applet)", target: "busybox")
        }
        tar.addDirectory("tmp", mode: 0o1777)
        tar.addDirectory("etc")
        return tar.finished()
    }

    /// Builds `reference` on `engine`: busybox, then a file of `megabytes` MiB of random data
    /// that a later layer deletes (so flattening saves it), a kept file of half the size, and
    /// a small file: 4 layers.
    static func build(_ reference: String, megabytes: Int, on engine: DockerClient) async throws {
        // A label of its own first, and no cache: no other build (of this or another test, on
        // this shared engine) shares this image's intermediate images, so removing either
        // never pulls a cached step from under the other.
        let dockerfile = """
            FROM scratch
            LABEL io.flatten-fleet.test-image="\(reference)"
            ADD rootfs.tar /
            RUN dd if=/dev/urandom of=/waste bs=1048576 count=\(megabytes) 2>/dev/null
            RUN rm /waste && dd if=/dev/urandom of=/kept bs=1048576 count=\(max(1, megabytes / 2)) 2>/dev/null
            RUN echo "flatten fleet test" > /hello
            CMD ["sh"]
            """
        var context = TinyTar()
        context.addFile("Dockerfile", text: dockerfile)
        context.addFile("rootfs.tar", contents: try rootfs())
        try await engine.buildImage(context: .bytes(context.finished()), tag: reference, networkMode: "none", noCache: true)
    }

    /// The image's layer count, or nil when the engine does not have it.
    static func layerCount(_ reference: String, on engine: DockerClient) async throws -> Int? {
        do {
            return try await engine.inspectImage(reference).diffIDs.count
        } catch let error as DockerEngineError where error.isNotFound {
            return nil
        }
    }

    /// Removes the references (ignoring absent ones).
    static func remove(_ references: [String], on engine: DockerClient) async {
        for reference in references {
            _ = try? await engine.removeImage(reference, force: true)
        }
    }
}
