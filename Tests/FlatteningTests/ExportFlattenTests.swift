import DockerEngine
import FlattenProtocol
import Flattening
import Foundation
import ImageArchive
import Testing
import TestSupport

@Suite("export strategy against the private engine")
struct ExportFlattenTests {
    @Test("export restores the runtime config through import changes and verifies", arguments: TestEngine.all)
    func exportRestoresConfig(engine: TestEngine) async throws {
        try await TestImages.with(label: "export", on: engine) { images in
            let app = try await images.application()
            let original = try await images.engine.inspectImage(app)
            let id = FlattenJob.makeID()
            let outcome = try await images.flatten(app, FlattenOptions(strategy: .export, verify: true), id: id)
            let result = try #require(outcome.result)
            #expect(result.strategy == .export)
            #expect(result.newLayerCount == 1)
            #expect(result.verified == true)
            let flattened = try await images.engine.inspectImage(result.newImageId)
            #expect(RuntimeConfigComparison.differences(original.config, flattened.config) == [])
            #expect(result.warnings.contains { $0.contains("history") })
            let tree = try await images.tree(of: result.newImageId)
            if engine.isPodman {
                // Podman's inspect shows neither Healthcheck nor OnBuild (the comparison above
                // cannot see them), and its containers have no /.dockerenv.
                #expect(tree.entries[".dockerenv"] == nil)
            } else {
                #expect(flattened.config?.healthcheck?.interval == 7_000_000_000)
                #expect(flattened.config?.onBuild == ["RUN echo child"])
                // What export inherently does is reported, and the engine's container files
                // are in the new layer itself.
                #expect(result.warnings.contains { $0.contains("/.dockerenv") })
                #expect(tree.entries[".dockerenv"] != nil)
            }
            try await images.expectNoLeftovers(of: id)
        }
    }

    @Test("STOPSIGNAL that an engine refuses in import changes is reported and fails verification; one it takes is kept", arguments: TestEngine.all)
    func stopSignalIsReported(engine: TestEngine) async throws {
        try await TestImages.with(label: "export-stopsignal", on: engine) { images in
            let app = try await images.application(stopSignal: true)
            let before = try await images.state(of: app)
            let result = try await images.flattened(app, FlattenOptions(strategy: .export))
            // Docker 20.10 and Podman refuse STOPSIGNAL in import changes; Docker 26 and later
            // take it. Either way the result must say what it kept.
            let refused = result.warnings.contains { $0.hasPrefix("STOPSIGNAL could not be restored") }
            if images.engine.engineVersion.version.hasPrefix("20.10") {
                #expect(refused)
            }
            if refused {
                #expect(result.warnings.contains { $0.contains("StopSignal: \"SIGUSR1\" became nil") })
            } else {
                let flattened = try await images.engine.inspectImage(result.newImageId)
                // Podman stores the signal by number.
                #expect(flattened.config?.stopSignal == (engine.isPodman ? "10" : "SIGUSR1"))
            }

            let id = FlattenJob.makeID()
            let newTag = try ImageReference("\(images.repository):verified-export")
            let verifying = FlattenOptions(strategy: .export, newTag: newTag, verify: true)
            guard refused else {
                // Nothing was lost, so verification passes.
                let verified = try await images.flattened(app, verifying, id: id)
                #expect(verified.verified == true)
                try await images.expectNoLeftovers(of: id)
                return
            }
            let error = await flattenError {
                _ = try await images.flatten(app, verifying, id: id)
            }
            #expect(error?.isVerificationFailed == true)
            #expect(error?.description.contains("StopSignal") == true)
            // Nothing half-made is tagged, nothing is left behind, the original is untouched.
            #expect(try await !EngineInventory.exists(newTag.description, on: images.engine))
            try await images.expectNoLeftovers(of: id)
            #expect(try await images.state(of: app) == before)
        }
    }

    @Test("a partial flatten with strategy export is refused", arguments: TestEngine.all)
    func partialExportRefused(engine: TestEngine) async throws {
        try await TestImages.with(label: "export-partial", on: engine) { images in
            let app = try await images.application()
            await #expect(throws: FlattenError.self) {
                _ = try await images.flatten(app, FlattenOptions(strategy: .export, partial: .keepLayers(1)))
            }
        }
    }
}

@Suite("import changes against the private engine")
struct ImportChangesEngineTests {
    @Test("values with $, quotes, backslashes and spaces come back exactly", arguments: TestEngine.all)
    func trickyValuesRoundTrip(engine: TestEngine) async throws {
        try await TestImages.with(label: "tricky-config", on: engine) { images in
            // An image whose config is written directly (loaded), so no parser has touched it.
            let rootfs = try images.rootfs()
            let diffID = ImageConfig.digest(of: rootfs)
            let config = """
                {"architecture":"amd64","os":"linux","created":"2024-01-01T00:00:00Z",\
                "config":{"Env":["PATH=/bin","TRICKY=$HOME \\"q\\" \\\\ end","EMPTY="],"Cmd":["sh","-c","echo \\"$A\\""],\
                "WorkingDir":"/w $X","User":"1000:1000","Labels":{"with space":"a b","dollar":"$Y"},\
                "Volumes":{"/v 1":{}},"ExposedPorts":{"80/tcp":{}}},\
                "rootfs":{"type":"layers","diff_ids":["\(diffID)"]},"history":[{"created":"2024-01-01T00:00:00Z","created_by":"test"}]}
                """
            let archive = LoadArchive(configBytes: Array(config.utf8), repoTags: ["\(images.repository):tricky"], layers: [.init(diffID: diffID, content: .bytes(rootfs))])
            var bytes: [UInt8] = []
            try await archive.write { bytes += $0 }
            try await images.engine.loadImage(body: .bytes(bytes))
            images.track("\(images.repository):tricky")
            let original = try await images.engine.inspectImage("\(images.repository):tricky")
            #expect(original.config?.env?.contains("TRICKY=$HOME \"q\" \\ end") == true)

            let result = try await images.flattened("\(images.repository):tricky", FlattenOptions(strategy: .export))
            let flattened = try await images.engine.inspectImage(result.newImageId)
            #expect(RuntimeConfigComparison.differences(original.config, flattened.config) == [])
            #expect(!result.warnings.contains { $0.hasPrefix("runtime config not kept") })
        }
    }
}
