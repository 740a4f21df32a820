import Foundation
import Testing
import DockerEngine
import TestSupport

@Suite("Push and pull with the local registry")
struct EngineRegistryTests {
    @Test("push to the local registry, remove the local tag, pull it back", arguments: TestEngine.all)
    func pushAndPull(engine: TestEngine) async throws {
        let registry = try TestEnvironment.require(TestEnvironment.registryVariable)
        try await engine.withClient { docker in
            try await BusyboxImage.with(on: docker, label: "push") { base in
                let original = try await docker.inspectImage(base)
                let repository = "\(registry)/\(TestEnvironment.uniqueName("pushed"))"
                try await docker.tagImage(base, repository: repository, tag: "t1")
                let progress = MessageLog()
                let pushed = try await docker.pushImage(repository: repository, tag: "t1") { progress.append($0) }
                #expect(pushed.tag == "t1")
                #expect(pushed.digest?.hasPrefix("sha256:") == true)
                // Podman names the tag inside the brackets too.
                #expect(progress.all.contains { $0.status?.contains("The push refers to repository [\(repository)") == true })

                try await docker.removeImage("\(repository):t1")
                await #expect {
                    try await docker.inspectImage("\(repository):t1")
                } throws: { ($0 as? DockerEngineError)?.isNotFound == true }

                let pulled = try await docker.pullImage(fromImage: repository, tag: "t1")
                if !engine.isPodman {
                    // Podman's pull reports progress only, no digest or summary line.
                    #expect(pulled.digest == pushed.digest)
                    #expect(pulled.status?.contains("\(repository):t1") == true)
                }
                let back = try await docker.inspectImage("\(repository):t1")
                #expect(back.id == original.id)
                #expect(back.repoDigests.contains("\(repository)@\(pushed.digest ?? "")"))
                try await docker.removeImage("\(repository):t1")
            }
        }
    }

    @Test("pulling a tag the registry lacks surfaces the registry's error", arguments: TestEngine.all)
    func pullMissing(engine: TestEngine) async throws {
        let registry = try TestEnvironment.require(TestEnvironment.registryVariable)
        try await engine.withClient { docker in
            let repository = "\(registry)/\(TestEnvironment.uniqueName("missing"))"
            await #expect {
                try await docker.pullImage(fromImage: repository, tag: "nope")
            } throws: { error in
                guard let error = error as? DockerEngineError else { return false }
                return error.engineMessage?.contains("manifest unknown") == true
                    || error.engineMessage?.contains("not found") == true
            }
        }
    }

    @Test("pushing to a registry nobody listens on surfaces the connection error", arguments: TestEngine.all)
    func pushUnreachableRegistry(engine: TestEngine) async throws {
        try await engine.withClient { docker in
            try await BusyboxImage.with(on: docker, label: "pushfail") { base in
                // Port 1 on loopback: nothing listens there.
                let repository = "127.0.0.1:1/\(TestEnvironment.uniqueName("nowhere"))"
                try await docker.tagImage(base, repository: repository, tag: "t")
                await #expect {
                    try await docker.pushImage(repository: repository, tag: "t", auth: RegistryAuth(username: "u", password: "p"))
                } throws: { error in
                    guard let error = error as? DockerEngineError else { return false }
                    return error.isStreamError && error.engineMessage?.contains("127.0.0.1:1") == true
                }
                try await docker.removeImage("\(repository):t")
            }
        }
    }
}
