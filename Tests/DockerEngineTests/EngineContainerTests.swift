import Foundation
import Testing
import DockerEngine
import TestSupport

@Suite("Containers: create, export, remove")
struct EngineContainerTests {
    @Test("a created (never started) container exports its filesystem as a tar stream", arguments: TestEngine.all)
    func createExportRemove(engine: TestEngine) async throws {
        try await engine.withClient { docker in
            try await BusyboxImage.with(on: docker, label: "export") { reference in
                let name = TestEnvironment.uniqueName("container")
                let created = try await docker.createContainer(
                    image: reference,
                    configuration: ContainerConfig(cmd: ["true"], env: ["FROM_TEST=1"]),
                    name: name
                )
                #expect(created.id.count == 64)
                do {
                    let measured = try await docker.exportContainer(created.id)
                        .measure(lookingFor: ["bin/busybox", "bin/sh", "etc/hostname"])
                    #expect(measured.byteCount > 1_900_000)
                    #expect(measured.byteCount % 512 == 0)
                    // Docker's init layer adds /etc/hostname to every container; Podman has none.
                    #expect(measured.found == (engine.isPodman ? ["bin/busybox", "bin/sh"] : ["bin/busybox", "bin/sh", "etc/hostname"]))
                    // The container's name reaches the same container.
                    let byName = try await docker.exportContainer(name).measure()
                    #expect(byName.byteCount == measured.byteCount)
                } catch {
                    try? await docker.removeContainer(created.id, force: true)
                    throw error
                }
                try await docker.removeContainer(created.id)
                await #expect {
                    try await docker.removeContainer(created.id)
                } throws: { error in
                    guard let error = error as? DockerEngineError else { return false }
                    return error.isNotFound && error.engineMessage?.lowercased().contains("no such container") == true
                }
            }
        }
    }

    @Test("containers are listed by name without the leading slash, all or by label", arguments: TestEngine.all)
    func list(engine: TestEngine) async throws {
        try await engine.withClient { docker in
            try await BusyboxImage.with(on: docker, label: "list") { reference in
                let name = TestEnvironment.uniqueName("listed")
                let label = "io.flatten-fleet.test=\(name)"
                let created = try await docker.createContainer(
                    image: reference, configuration: ContainerConfig(cmd: ["true"], labels: ["io.flatten-fleet.test": name]), name: name)
                do {
                    // Created, never started: only a list of all containers shows it.
                    #expect(try await docker.listContainers().contains { $0.id == created.id } == false)
                    let all = try await docker.listContainers(all: true)
                    let listed = try #require(all.first { $0.id == created.id })
                    #expect(listed.names == [name])
                    #expect(listed.state == "created")
                    #expect(listed.labels["io.flatten-fleet.test"] == name)
                    let labelled = try await docker.listContainers(all: true, label: label)
                    #expect(labelled.map(\.id) == [created.id])
                    #expect(try await docker.listContainers(all: true, label: "io.flatten-fleet.test=other").isEmpty)
                } catch {
                    try? await docker.removeContainer(created.id, force: true)
                    throw error
                }
                try await docker.removeContainer(created.id)
                #expect(try await docker.listContainers(all: true, label: label).isEmpty)
            }
        }
    }

    @Test("an image with neither Cmd nor Entrypoint needs a command to create a container", arguments: TestEngine.all)
    func noCommand(engine: TestEngine) async throws {
        try await engine.withClient { docker in
            let repository = TestEnvironment.uniqueName("nocmd")
            _ = try await docker.importImage(source: .bytes(try BusyboxImage.rootfsArchive(marker: repository)), repository: repository, tag: "x")
            await #expect {
                try await docker.createContainer(image: "\(repository):x")
            } throws: { error in
                guard let error = error as? DockerEngineError else { return false }
                // Docker 20: 400 "No command specified"; Docker 26+: "no command specified";
                // Podman: 500 "no command or entrypoint provided".
                return (error.isBadRequest || engine.isPodman) && error.engineMessage?.lowercased().contains("no command") == true
            }
            let created = try await docker.createContainer(image: "\(repository):x", configuration: ContainerConfig(cmd: ["true"]))
            try await docker.removeContainer(created.id)
            try await docker.removeImage("\(repository):x")
        }
    }
}
