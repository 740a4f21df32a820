import DockerEngine
import FlattenProtocol
import Flattening
import Foundation
import Testing
import TestSupport

@Suite("push, min-savings, replace and tags against the private engine")
struct OptionsFlattenTests {
    @Test("--push sends the new tag to the registry; pulled back it is the same image", arguments: TestEngine.all)
    func pushAndPullBack(engine: TestEngine) async throws {
        let registry = try TestEnvironment.require(TestEnvironment.registryVariable)
        try await TestImages.with(label: "push", on: engine) { images in
            let app = try await images.application()
            let newTag = try ImageReference("\(registry)/\(images.repository):pushed")
            let auth = RegistryAuth(username: "flatten", password: "unused-by-this-registry", serverAddress: registry)
            let outcome = try await images.flatten(app, FlattenOptions(newTag: newTag, push: true), registryAuth: auth)
            let result = try #require(outcome.result)
            #expect(result.phaseDurations[.pushing] != nil)
            #expect(result.tags == [newTag.description])

            // Drop the local copy, pull it back: the registry holds exactly the flattened image.
            try await images.engine.removeImage(newTag.description, force: true)
            #expect(try await !EngineInventory.exists(newTag.description, on: images.engine))
            try await images.engine.pullImage(fromImage: newTag.fullName, tag: "pushed")
            let pulled = try await images.engine.inspectImage(newTag.description)
            #expect(pulled.id == result.newImageId)
            #expect(pulled.diffIDs.count == 1)
        }
    }

    @Test("a failed push removes the new image and restores the tag it displaced", arguments: TestEngine.all)
    func failedPushRollsBack(engine: TestEngine) async throws {
        try await TestImages.with(label: "push-fails", on: engine) { images in
            let app = try await images.application()
            let before = try await images.state(of: app)
            // Port 1 on loopback: nothing listens, the push fails at once.
            let newTag = try ImageReference("127.0.0.1:1/\(images.repository):unreachable")
            let holder = try await images.base()
            try await images.engine.tagImage(holder, repository: newTag.fullName, tag: newTag.tag)
            images.track(newTag.description)
            let holderID = try await images.engine.inspectImage(holder).id
            let id = FlattenJob.makeID()
            let error = await flattenError {
                _ = try await images.flatten(app, FlattenOptions(newTag: newTag, push: true), id: id)
            }
            #expect(error?.isPushFailure == true)
            #expect(try await images.engine.inspectImage(newTag.description).id == holderID)
            #expect(try await images.state(of: app) == before)
            try await images.expectNoLeftovers(of: id)
        }
    }

    @Test("--min-savings skips (a distinct outcome) when the flatten would save too little", arguments: TestEngine.all)
    func minSavingsSkips(engine: TestEngine) async throws {
        try await TestImages.with(label: "min-savings", on: engine) { images in
            let app = try await images.application()
            let before = try await images.state(of: app)
            let id = FlattenJob.makeID()
            let outcome = try await images.flatten(app, FlattenOptions(minSavings: .percent(90)), id: id)
            guard case .skipped(let reason) = outcome else {
                Issue.record("expected a skip, got \(outcome)")
                return
            }
            #expect(reason.contains("less than the minimum 90%"))
            #expect(try await !EngineInventory.exists("\(images.repository):app-flat", on: images.engine))
            #expect(try await images.state(of: app) == before)
            try await images.expectNoLeftovers(of: id)

            // The same image with a minimum it reaches (about 300 kB are deleted) is flattened.
            let result = try await images.flattened(app, FlattenOptions(minSavings: .bytes(200_000)))
            #expect(result.bytesSaved >= 200_000)
        }
    }

    @Test("--min-savings with strategy export measures, and removes the image it skips", arguments: TestEngine.all)
    func minSavingsExport(engine: TestEngine) async throws {
        try await TestImages.with(label: "min-savings-export", on: engine) { images in
            let app = try await images.application()
            let id = FlattenJob.makeID()
            let outcome = try await images.flatten(app, FlattenOptions(strategy: .export, minSavings: .percent(95)), id: id)
            #expect(outcome.result == nil)
            #expect(try await !EngineInventory.exists("\(images.repository):app-flat", on: images.engine))
            try await images.expectNoLeftovers(of: id)
        }
    }

    @Test("--replace moves the original tag; the old image keeps its ID and other tags", arguments: TestEngine.all)
    func replace(engine: TestEngine) async throws {
        try await TestImages.with(label: "replace", on: engine) { images in
            let app = try await images.application()
            try await images.engine.tagImage(app, repository: images.repository, tag: "also")
            images.track("\(images.repository):also")
            let originalID = try await images.engine.inspectImage(app).id
            let result = try await images.flattened(app, FlattenOptions(replace: true))
            #expect(result.tags == ["docker.io/library/\(images.repository):app-flat", "docker.io/library/\(images.repository):app"])
            #expect(try await images.engine.inspectImage(app).id == result.newImageId)
            let old = try await images.engine.inspectImage(originalID)
            #expect(old.repoTags == ["\(images.repository):also"])
            images.track(originalID)
        }
    }

    @Test("a new tag equal to the image's own reference is refused", arguments: TestEngine.all)
    func ownTagRefused(engine: TestEngine) async throws {
        try await TestImages.with(label: "own-tag", on: engine) { images in
            let app = try await images.application()
            let error = await flattenError {
                _ = try await images.flatten(app, FlattenOptions(newTag: try ImageReference(app)))
            }
            #expect(error?.isInvalidRequest == true)
            #expect(error?.description.contains("--replace") == true)
        }
    }
}
