import DockerEngine
import Flattening
import Foundation
import Logging
import Testing
import TestSupport

@Suite("leftovers of a flatten whose process died, against the private engine")
struct LeftoversTests {
    @Test("removeLeftovers removes the ID's directory, containers and temporary images, and nothing else", arguments: TestEngine.all)
    func removesOnlyThatFlattensLeftovers(engine: TestEngine) async throws {
        try await TestImages.with(label: "leftovers", on: engine) { images in
            let app = try await images.application()
            let engine = images.engine
            let dead = FlattenJob.makeID()
            let other = FlattenJob.makeID()
            do {
                // What a killed flatten `dead` left, and the same things of a flatten `other` still running.
                for id in [dead, other] {
                    let directory = (images.workDirectory as NSString).appendingPathComponent("flatten-\(id)")
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
                    try Data("spool".utf8).write(to: URL(fileURLWithPath: directory).appendingPathComponent("layer.tar"))
                    for suffix in ["export", "verify-original", "verify-candidate"] {
                        _ = try await engine.createContainer(
                            image: app, configuration: ContainerConfig(cmd: ["true"]), name: "flatten-\(id)-\(suffix)")
                    }
                    _ = try await engine.importImage(
                        source: .bytes(Self.emptyTar), changes: ["LABEL \(EngineLeftovers.temporaryLabel)=\(id)"],
                        message: "leftovers test")
                }

                await FlattenJob.removeLeftovers(ofID: dead, engine: engine, workDirectory: images.workDirectory, logger: Logger(label: "test"))

                let left = EngineInventory.leftovers(in: images.workDirectory)
                #expect(left == ["flatten-\(other)"])
                let containers = try await engine.listContainers(all: true).flatMap(\.names)
                #expect(containers.filter { $0.hasPrefix("flatten-\(dead)") }.isEmpty)
                #expect(containers.filter { $0.hasPrefix("flatten-\(other)") }.count == 3)
                #expect(try await EngineLeftovers.temporaryImages(of: dead, on: engine).isEmpty)
                #expect(try await EngineLeftovers.temporaryImages(of: other, on: engine).count == 1)
                // The image the containers were made from is untouched.
                #expect(try await EngineInventory.exists(app, on: engine))

                // Nothing left: a second call finds nothing and does nothing.
                await FlattenJob.removeLeftovers(ofID: dead, engine: engine, workDirectory: images.workDirectory, logger: Logger(label: "test"))
                await FlattenJob.removeLeftovers(ofID: other, engine: engine, workDirectory: images.workDirectory, logger: Logger(label: "test"))
                #expect(EngineInventory.leftovers(in: images.workDirectory).isEmpty)
                #expect(try await engine.listContainers(all: true).flatMap(\.names).filter { $0.hasPrefix("flatten-\(other)") }.isEmpty)
                #expect(try await EngineLeftovers.temporaryImages(of: other, on: engine).isEmpty)
            } catch {
                // What the product failed to remove must not outlive the test.
                for id in [dead, other] { await EngineLeftovers.remove(of: id, on: engine) }
                throw error
            }
        }
    }

    /// A tar of two zero blocks: an empty layer.
    static let emptyTar = [UInt8](repeating: 0, count: 1024)
}
