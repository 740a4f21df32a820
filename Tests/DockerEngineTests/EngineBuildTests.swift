import Foundation
import Testing
import DockerEngine
import TestSupport

@Suite("Build with the legacy builder")
struct EngineBuildTests {
    @Test("a Dockerfile with RUN steps builds; the result's ID and config match inspect", arguments: TestEngine.all)
    func buildSucceeds(engine: TestEngine) async throws {
        try await engine.withClient { docker in
            try await BusyboxImage.with(on: docker, label: "build") { base in
                let tag = "\(TestEnvironment.uniqueName("built")):v1"
                let dockerfile = """
                FROM \(base)
                COPY greeting.txt /greeting.txt
                RUN mkdir -p /w && echo built > /w/out && ln -s /w/out /w/link
                ENV STAGE=one
                WORKDIR /w
                CMD ["cat", "/w/out"]
                """
                let context = BusyboxImage.buildContext(dockerfile: dockerfile, files: ["greeting.txt": "hello\n"])
                let messages = MessageLog()
                let result = try await docker.buildImage(context: .bytes(context), tag: tag, noCache: true) { message in
                    messages.append(message)
                }
                #expect(result.imageID.hasPrefix("sha256:"))
                // Docker writes `Step 3/6 : RUN`, Podman `STEP 3/6: RUN`.
                #expect(result.output.lowercased().contains("step 3/6"))
                #expect(result.output.contains("Successfully tagged \(tag)") || result.output.contains("Successfully tagged docker.io/library/\(tag)"))
                #expect(messages.count > 5)
                let inspect = try await docker.inspectImage(tag)
                #expect(inspect.id == result.imageID)
                #expect(inspect.config?.env?.contains("STAGE=one") == true)
                #expect(inspect.config?.workingDir == "/w")
                #expect(inspect.config?.cmd == ["cat", "/w/out"])
                // Base layer, COPY layer, RUN layer.
                #expect(inspect.diffIDs.count == 3)
                let history = try await docker.imageHistory(tag)
                #expect(history.contains { $0.createdBy.contains("echo built > /w/out") })
                try await docker.removeImage(tag)
            }
        }
    }

    @Test("a failing RUN surfaces the engine's error text and exit status", arguments: TestEngine.all)
    func buildFails(engine: TestEngine) async throws {
        try await engine.withClient { docker in
            try await BusyboxImage.with(on: docker, label: "buildfail") { base in
                // The failing step comes first so that no intermediate image outlives the test.
                let context = BusyboxImage.buildContext(dockerfile: "FROM \(base)\nRUN echo failing && exit 3\n")
                await #expect {
                    try await docker.buildImage(context: .bytes(context), tag: "\(TestEnvironment.uniqueName("never")):x")
                } throws: { error in
                    guard let error = error as? DockerEngineError else { return false }
                    if engine.isPodman {
                        return error.isStreamError && error.engineMessage?.contains("exit status 3") == true
                    }
                    return error.isStreamError && error.streamErrorCode == 3
                        && error.engineMessage == "The command '/bin/sh -c echo failing && exit 3' returned a non-zero code: 3"
                }
            }
        }
    }

    @Test("a Dockerfile error is reported", arguments: TestEngine.all)
    func badDockerfile(engine: TestEngine) async throws {
        try await engine.withClient { docker in
            let context = BusyboxImage.buildContext(dockerfile: "FROM \(TestEnvironment.uniqueName("absent")):x\n")
            await #expect {
                try await docker.buildImage(context: .bytes(context))
            } throws: { error in
                guard let error = error as? DockerEngineError else { return false }
                return (error.isStreamError || error.httpStatus != nil) && error.engineMessage?.isEmpty == false
            }
            await #expect {
                try await docker.buildImage(context: .bytes(BusyboxImage.buildContext(dockerfile: "FROM")))
            } throws: { error in
                guard let error = error as? DockerEngineError else { return false }
                return error.engineMessage?.contains("FROM requires") == true
            }
        }
    }
}

/// Collects progress messages from the `@Sendable` callback.
final class MessageLog: @unchecked Sendable {
    // Safe: every access takes the lock.
    private let lock = NSLock()
    private var messages: [ProgressMessage] = []

    func append(_ message: ProgressMessage) {
        lock.lock()
        defer { lock.unlock() }
        messages.append(message)
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return messages.count
    }

    var all: [ProgressMessage] {
        lock.lock()
        defer { lock.unlock() }
        return messages
    }
}
