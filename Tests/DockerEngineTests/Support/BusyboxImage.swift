import DockerEngine
import Foundation
import TestSupport

/// A tiny base image for engine tests: the static `/usr/bin/busybox` as `/bin/busybox` with
/// applet symlinks, imported with ``DockerClient/importImage(source:repository:tag:changes:message:platform:onProgress:)``.
/// Dockerfiles can build `FROM` it with `RUN` steps (network `none`).
enum BusyboxImage {
    static let busyboxPath = "/usr/bin/busybox"

    static let applets = [
        "sh", "ls", "cat", "echo", "mkdir", "rm", "ln", "chmod", "chown", "touch", "cp", "mv", "true", "false",
        "test", "env", "id", "sleep", "printf", "find", "grep", "sed", "head", "tail", "wc", "stat", "mkfifo",
        "tar", "sha256sum", "setfattr", "getfattr", "readlink", "dd", "truncate",
    ]

    struct MissingBusybox: Error, CustomStringConvertible {
        var description: String { "\(busyboxPath) is missing: install the static busybox (apt-get install busybox-static)" }
    }

    /// The rootfs tar: `/bin/busybox`, `/bin/<applet> -> busybox`, `/tmp`, and `/etc/test-image`
    /// holding `marker`. Each image gets its own marker so that no two tests share a layer:
    /// Podman 4.3's storage races when one test removes a layer another is importing with the same
    /// digest ("committing the finished image: … layer not known").
    static func rootfsArchive(marker: String) throws -> [UInt8] {
        guard let busybox = FileManager.default.contents(atPath: busyboxPath) else {
            throw MissingBusybox()
        }
        var tar = TinyTar()
        tar.addDirectory("bin")
        tar.addFile("bin/busybox", contents: Array(busybox), mode: 0o755)
        for applet in applets {
            tar.addSymlink("bin/\(applet)", target: "busybox")
        }
        tar.addDirectory("etc")
        tar.addDirectory("tmp", mode: 0o1777)
        tar.addFile("etc/test-image", text: marker + "\n")
        return tar.finished()
    }

    /// Imports the base image under a unique `name:base` reference and answers the reference.
    static func create(on docker: DockerClient, label: String = "busybox", changes: [String] = ["CMD [\"sh\"]"]) async throws -> String {
        let repository = TestEnvironment.uniqueName(label)
        _ = try await docker.importImage(
            source: .bytes(try rootfsArchive(marker: repository)),
            repository: repository,
            tag: "base",
            changes: changes,
            message: "flatten-fleet test base image"
        )
        return "\(repository):base"
    }

    /// Creates the base image, runs `body` with its reference, and removes the image (and any
    /// extra references `body` returns in `cleanup`) whether `body` succeeds or not.
    @discardableResult
    static func with<Result: Sendable>(
        on docker: DockerClient,
        label: String = "busybox",
        _ body: (String) async throws -> Result
    ) async throws -> Result {
        let reference = try await create(on: docker, label: label)
        do {
            let result = try await body(reference)
            _ = try? await docker.removeImage(reference, force: true)
            return result
        } catch {
            _ = try? await docker.removeImage(reference, force: true)
            throw error
        }
    }

    /// A build context holding only `Dockerfile`.
    static func buildContext(dockerfile: String, files: [String: String] = [:]) -> [UInt8] {
        var tar = TinyTar()
        tar.addFile("Dockerfile", text: dockerfile)
        for (name, text) in files.sorted(by: { $0.key < $1.key }) {
            tar.addFile(name, text: text)
        }
        return tar.finished()
    }
}
