import Foundation
import Testing
import DockerEngine
import TestSupport

@Suite("Image inspect, history, list, tag and remove")
struct EngineImageTests {
    @Test("import with changes shows up in inspect and history", arguments: TestEngine.all)
    func importWithChanges(engine: TestEngine) async throws {
        try await engine.withClient { docker in
            let repository = TestEnvironment.uniqueName("import")
            let imported = try await docker.importImage(
                source: .bytes(try BusyboxImage.rootfsArchive(marker: repository)),
                repository: repository,
                tag: "v1",
                changes: ["CMD [\"sh\"]", "ENV A=b", "WORKDIR /w", "LABEL team=flatten", "EXPOSE 8080/tcp", "VOLUME /data"],
                message: "imported by a test"
            )
            let reference = "\(repository):v1"
            do {
                let inspect = try await docker.inspectImage(reference)
                #expect(inspect.id == imported.imageID)
                #expect(inspect.repoTags == [reference])
                #expect(inspect.config?.cmd == ["sh"])
                #expect(inspect.config?.env == ["A=b"])
                #expect(inspect.config?.workingDir == "/w")
                #expect(inspect.config?.labels == ["team": "flatten"])
                #expect(inspect.config?.exposedPorts == ["8080/tcp"])
                #expect(inspect.config?.volumes == ["/data"])
                #expect(inspect.diffIDs.count == 1)
                #expect(inspect.diffIDs.allSatisfy { $0.hasPrefix("sha256:") && $0.count == 71 })
                #expect(inspect.os == "linux")
                #expect(inspect.size > 1_000_000)
                // The raw JSON is the engine's answer, with fields not modelled here.
                let raw = try JSONSerialization.jsonObject(with: Data(inspect.rawJSON)) as? [String: Any]
                #expect(raw?["Id"] as? String == imported.imageID)
                #expect(raw?["GraphDriver"] != nil)

                let history = try await docker.imageHistory(reference)
                if !engine.isPodman {
                    // Podman's history names the top entry by a layer of its own, not the image.
                    #expect(history.first?.id == imported.imageID)
                }
                #expect(history.first?.comment == "imported by a test")
                // Podman's history lists no tags.
                #expect(history.first?.tags == (engine.isPodman ? [] : [reference]))
            } catch {
                _ = try? await docker.removeImage(reference, force: true)
                throw error
            }
            try await docker.removeImage(reference)
        }
    }

    @Test("list shows the image; the inspected list carries its layer diff IDs", arguments: TestEngine.all)
    func listImages(engine: TestEngine) async throws {
        try await engine.withClient { docker in
            try await BusyboxImage.with(on: docker, label: "list") { reference in
                let inspect = try await docker.inspectImage(reference)
                let listed = try await docker.listImages()
                let summary = try #require(listed.first { $0.repoTags.contains(reference) })
                #expect(summary.id == inspect.id)
                // The containerd store's list also counts the compressed blobs it keeps.
                if engine.name.hasSuffix("containerd") {
                    #expect(summary.size > inspect.size)
                } else {
                    #expect(summary.size == inspect.size)
                }
                let detailed = try await docker.listImagesInspected()
                let match = try #require(detailed.first { $0.id == inspect.id })
                #expect(match.diffIDs == inspect.diffIDs)
                #expect(!match.rawJSON.isEmpty)
            }
        }
    }

    @Test("tag adds a reference; remove untags it and finally deletes the image", arguments: TestEngine.all)
    func tagAndRemove(engine: TestEngine) async throws {
        try await engine.withClient { docker in
            try await BusyboxImage.with(on: docker, label: "tag") { reference in
                let original = try await docker.inspectImage(reference)
                let repository = TestEnvironment.uniqueName("tagged")
                try await docker.tagImage(reference, repository: repository, tag: "second")
                let tagged = try await docker.inspectImage("\(repository):second")
                #expect(tagged.id == original.id)
                #expect(Set(tagged.repoTags) == [reference, "\(repository):second"])

                // Without a tag, `latest`.
                try await docker.tagImage(original.id, repository: repository)
                #expect(try await docker.inspectImage("\(repository):latest").id == original.id)

                #expect(try await docker.removeImage("\(repository):second") == [.untagged("\(repository):second")])
                #expect(try await docker.removeImage("\(repository):latest") == [.untagged("\(repository):latest")])
                await #expect {
                    try await docker.inspectImage("\(repository):second")
                } throws: { ($0 as? DockerEngineError)?.isNotFound == true }

                let removed = try await docker.removeImage(reference)
                #expect(removed.contains(.untagged(reference)))
                #expect(removed.contains(.deleted(original.id)))
                await #expect {
                    try await docker.inspectImage(original.id)
                } throws: { ($0 as? DockerEngineError)?.isNotFound == true }
            }
        }
    }

    @Test("a missing image is isNotFound and keeps the engine's message", arguments: TestEngine.all)
    func notFound(engine: TestEngine) async throws {
        try await engine.withClient { docker in
            let name = "\(TestEnvironment.uniqueName("absent")):x"
            for call in ["inspect", "history", "remove", "save", "tag"] {
                await #expect {
                    switch call {
                    case "inspect": _ = try await docker.inspectImage(name)
                    case "history": _ = try await docker.imageHistory(name)
                    case "remove": _ = try await docker.removeImage(name)
                    case "save": _ = try await docker.saveImage(name)
                    default: try await docker.tagImage(name, repository: "flatten-test-never")
                    }
                } throws: { error in
                    guard let error = error as? DockerEngineError else { return false }
                    // Podman answers some of these 500 "image not known".
                    let status = engine.isPodman ? (error.httpStatus ?? 0) : 404
                    return error.isNotFound && error.httpStatus == status && error.engineMessage?.isEmpty == false
                        && String(describing: error).contains("\(status)")
                }
            }
            do {
                _ = try await docker.inspectImage(name)
                Issue.record("inspecting \(name) should fail")
            } catch let error as DockerEngineError {
                let message = error.engineMessage?.lowercased() ?? ""
                #expect(message.contains("no such image") || message.contains("image not known"))
                #expect(message.contains(name))
                #expect(error.operation == "inspect image '\(name)'")
            }
        }
    }

    @Test("removing an image a container uses is a conflict", arguments: TestEngine.all)
    func conflict(engine: TestEngine) async throws {
        try await engine.withClient { docker in
            try await BusyboxImage.with(on: docker, label: "conflict") { reference in
                let container = try await docker.createContainer(image: reference)
                await #expect {
                    try await docker.removeImage(reference)
                } throws: { error in
                    guard let error = error as? DockerEngineError else { return false }
                    return error.isConflict && error.engineMessage?.contains(String(container.id.prefix(12))) == true
                }
                try await docker.removeContainer(container.id)
            }
        }
    }

    @Test("names that would change the URL path are refused before sending", arguments: TestEngine.all)
    func badNames(engine: TestEngine) async throws {
        try await engine.withClient { docker in
            for name in ["", "../containers/json", "a b", "x/./y"] {
                await #expect {
                    try await docker.inspectImage(name)
                } throws: { ($0 as? DockerEngineError)?.isInvalidArgument == true }
            }
        }
    }
}
