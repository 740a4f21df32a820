import Foundation
import NIOCore
import Testing
import DockerEngine
import TestSupport

@Suite("Save, load and import streams")
struct EngineTransferTests {
    @Test("save streams a docker save archive chunk by chunk", arguments: TestEngine.all)
    func saveStreams(engine: TestEngine) async throws {
        try await engine.withClient { docker in
            try await BusyboxImage.with(on: docker, label: "save") { reference in
                let inspect = try await docker.inspectImage(reference)
                let hexID = String(inspect.id.dropFirst("sha256:".count))
                let stream = try await docker.saveImage(reference)
                // The config is `<hex>.json` in the legacy layout; in an OCI layout the ID names a
                // blob (the config, or on the containerd store the manifest).
                let measured = try await stream.measure(lookingFor: ["manifest.json", "\(hexID).json", "blobs/sha256/\(hexID)"])
                // The archive holds the busybox layer (about 2 MB; about 1 MB as the containerd
                // store keeps it, gzip-compressed) and arrives in many chunks.
                #expect(measured.byteCount > (engine.name.hasSuffix("containerd") ? 900_000 : 1_900_000))
                #expect(measured.byteCount % 512 == 0)
                #expect(measured.chunkCount > 1)
                #expect(measured.largestChunk < measured.byteCount)
                #expect(measured.found.contains("manifest.json"))
                #expect(measured.found.contains("\(hexID).json") || measured.found.contains("blobs/sha256/\(hexID)"), "found \(measured.found)")
            }
        }
    }

    @Test("a saved archive loads back after the image was removed", arguments: TestEngine.all)
    func loadRoundTrip(engine: TestEngine) async throws {
        try await engine.withClient { docker in
            let reference = try await BusyboxImage.create(on: docker, label: "roundtrip")
            let original = try await docker.inspectImage(reference)
            // Small enough to hold in this test; product code streams.
            let archive = try await docker.saveImage(reference).collect(upTo: 16 * 1024 * 1024)
            try await docker.removeImage(reference)
            await #expect(throws: DockerEngineError.self) { try await docker.inspectImage(reference) }

            let loaded = try await docker.loadImage(body: .bytes(archive))
            #expect(loaded.loadedReferences == [reference])
            let reloaded = try await docker.inspectImage(reference)
            #expect(reloaded.id == original.id)
            #expect(reloaded.diffIDs == original.diffIDs)
            #expect(reloaded.config == original.config)
            try await docker.removeImage(reference)
        }
    }

    @Test("a save stream pipes straight into a load on another engine (chunked upload)", arguments: TestEngine.all)
    func pipeBetweenEngines(engine: TestEngine) async throws {
        try await engine.withClient { source in
            try await BusyboxImage.with(on: source, label: "pipe") { reference in
                let original = try await source.inspectImage(reference)
                try await engine.next.withClient { target in
                    let stream = try await source.saveImage(reference)
                    let loaded = try await target.loadImage(body: .stream(stream), quiet: false)
                    #expect(loaded.loadedReferences == [reference])
                    let copy = try await target.inspectImage(reference)
                    // The same image: the containerd store names it by its manifest, the others
                    // by its config, so IDs agree only between stores of one kind.
                    #expect(copy.diffIDs == original.diffIDs)
                    #expect(copy.config == original.config)
                    try await target.removeImage(reference)
                }
            }
        }
    }

    @Test("a body with a known length is sent with Content-Length and loads", arguments: TestEngine.all)
    func knownLengthUpload(engine: TestEngine) async throws {
        try await engine.withClient { docker in
            try await BusyboxImage.with(on: docker, label: "length") { reference in
                let archive = try await docker.saveImage(reference).collect(upTo: 16 * 1024 * 1024)
                // Re-chunk the archive into 64 KiB pieces produced lazily.
                let chunks = AsyncChunks(buffer: archive, chunkSize: 64 * 1024)
                let loaded = try await docker.loadImage(body: .stream(chunks, length: Int64(archive.readableBytes)))
                #expect(loaded.loadedReferences == [reference])
            }
        }
    }

    @Test("a load of garbage surfaces the engine's error", arguments: TestEngine.all)
    func garbageLoad(engine: TestEngine) async throws {
        try await engine.withClient { docker in
            await #expect {
                try await docker.loadImage(body: .bytes(Array("this is not a tar archive\n".utf8)))
            } throws: { error in
                guard let error = error as? DockerEngineError else { return false }
                // Each engine words it its own way (Docker 20: "Error processing tar file",
                // Docker 26+: "unexpected EOF", Podman: "payload does not match any of the
                // supported image formats"); what matters is that its words reach the caller.
                let message = error.engineMessage ?? ""
                return !message.isEmpty && String(describing: error).contains("load image archive failed: ")
                    && String(describing: error).contains(message.prefix(40))
            }
        }
    }

    @Test("an import of garbage surfaces the engine's error", arguments: TestEngine.all)
    func garbageImport(engine: TestEngine) async throws {
        try await engine.withClient { docker in
            let repository = TestEnvironment.uniqueName("badimport")
            await #expect {
                try await docker.importImage(source: .bytes(Array(repeating: 0x41, count: 3000)), repository: repository, tag: "x")
            } throws: { error in
                guard let error = error as? DockerEngineError else { return false }
                // The engine checks the tar before answering, so this is an HTTP error, not a stream error.
                return error.isServerError && error.engineMessage?.contains("invalid tar header") == true
            }
        }
    }
}

/// Yields a buffer in fixed-size slices, one per `next()`.
struct AsyncChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let buffer: ByteBuffer
    let chunkSize: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: ByteBuffer
        let chunkSize: Int
        mutating func next() async throws -> ByteBuffer? {
            guard remaining.readableBytes > 0 else { return nil }
            return remaining.readSlice(length: Swift.min(chunkSize, remaining.readableBytes))
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(remaining: buffer, chunkSize: chunkSize)
    }
}
