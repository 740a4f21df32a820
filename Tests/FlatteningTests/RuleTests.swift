import DockerEngine
import FlattenProtocol
import Foundation
import ImageArchive
import Testing
@testable import Flattening

@Suite("pure rules: kept layers, import changes, config comparison, recommendation")
struct RuleTests {
    let layers = ["sha256:a", "sha256:b", "sha256:c", "sha256:d"]

    @Test("--keep-layers needs at least one layer left to squash")
    func keepLayers() throws {
        #expect(try KeptLayers.lowest(2, of: layers).count == 2)
        #expect(throws: FlattenError.self) { try KeptLayers.lowest(4, of: layers) }
        #expect(throws: FlattenError.self) { try KeptLayers.lowest(0, of: layers) }
    }

    @Test("--base keeps the common prefix and refuses an image that is all base")
    func base() throws {
        #expect(try KeptLayers.shared(with: ["sha256:a", "sha256:b"], base: "b", of: layers).count == 2)
        #expect(try KeptLayers.shared(with: ["sha256:a", "sha256:x", "sha256:c"], base: "b", of: layers).count == 1)
        let none = try KeptLayers.shared(with: ["sha256:z"], base: "b", of: layers)
        #expect(none.count == 0)
        #expect(none.notes.first?.contains("shares no leading layer") == true)
        #expect(throws: FlattenError.self) { try KeptLayers.shared(with: layers + ["sha256:e"], base: "b", of: layers) }
    }

    @Test("--keep-shared keeps the longest prefix another image uses, never every layer")
    func keepShared() {
        #expect(KeptLayers.sharedWithOtherImages([["sha256:a"], ["sha256:a", "sha256:b", "sha256:x"], ["sha256:q"]], of: layers).count == 2)
        #expect(KeptLayers.sharedWithOtherImages([], of: layers).count == 0)
        #expect(KeptLayers.sharedWithOtherImages([["sha256:x", "sha256:b"]], of: layers).count == 0)
        let child = KeptLayers.sharedWithOtherImages([layers + ["sha256:e"]], of: layers)
        #expect(child.count == 3)
        #expect(child.notes.first?.contains("all but the top layer") == true)
    }

    @Test("import changes escape what the instruction parser would expand or split")
    func importChanges() {
        let config = ContainerConfig(
            cmd: ["echo", "a \"b\""], entrypoint: ["/bin/sh", "-c"],
            env: ["PATH=/bin", "TRICKY=$HOME \"q\" \\ end", "NOEQUALS"],
            workingDir: "/w $X", user: "1000:1000", exposedPorts: ["53/udp", "80/tcp"], volumes: ["/data", "/v 1"],
            labels: ["b": "two words", "a": "x"], stopSignal: "SIGUSR1",
            healthcheck: .init(test: ["CMD-SHELL", "curl -f localhost"], interval: 5_000_000_000, retries: 3),
            onBuild: ["RUN echo hi"], shell: ["/bin/bash", "-c"]
        )
        let changes = ImportChanges(config: config)
        #expect(changes.lines() == [
            "ENV \"PATH\"=\"/bin\"",
            "ENV \"TRICKY\"=\"\\$HOME \\\"q\\\" \\\\ end\"",
            "LABEL \"a\"=\"x\"",
            "LABEL \"b\"=\"two words\"",
            "WORKDIR /w \\$X",
            "USER 1000:1000",
            "EXPOSE 53/udp",
            "EXPOSE 80/tcp",
            "VOLUME [\"/data\",\"/v 1\"]",
            "STOPSIGNAL SIGUSR1",
            "HEALTHCHECK --interval=5000000000ns --retries=3 CMD curl -f localhost",
            "ONBUILD RUN echo hi",
            "SHELL [\"/bin/bash\",\"-c\"]",
            "ENTRYPOINT [\"/bin/sh\",\"-c\"]",
            "CMD [\"echo\",\"a \\\"b\\\"\"]",
        ])
        #expect(changes.unrepresentable == ["Env entry \"NOEQUALS\" has no '='"])
        #expect(!changes.lines(excluding: [.stopSignal, .shell]).contains { $0.hasPrefix("STOPSIGNAL") || $0.hasPrefix("SHELL") })
        let multiline = ImportChanges(config: ContainerConfig(env: ["A=one\ntwo"]))
        #expect(multiline.changes.isEmpty)
        #expect(multiline.unrepresentable.first?.contains("several lines") == true)
        #expect(ImportChanges.healthcheckLine(.init(test: ["NONE"])) .map { $0 } == .success("HEALTHCHECK NONE"))
    }

    @Test("a save the engine cut short is retryable and names the engine")
    func interruptedSave() {
        let error = FlattenError(.interruptedSave(engine: "unix:///run/docker.sock", detail: "archive cut short: … ends after 512 bytes"))
        #expect(error.isRetryable)
        #expect(error.isInterruptedSave)
        #expect(!error.isImageNotFound)
        #expect(error.description.hasPrefix("the engine at unix:///run/docker.sock stopped sending the saved image before its end"))
    }

    @Test("runtime config differences name the field and both values; empty equals absent")
    func configComparison() {
        let a = ContainerConfig(cmd: ["sh"], env: [], stopSignal: "SIGUSR1")
        let b = ContainerConfig(cmd: ["sh"], env: nil, stopSignal: nil)
        #expect(RuntimeConfigComparison.differences(a, b) == ["StopSignal: \"SIGUSR1\" became nil"])
        #expect(RuntimeConfigComparison.differences(a, a).isEmpty)
    }

    @Test("Podman's dialect: ENV and LABEL in outer quotes, values literal, no escapes")
    func podmanDialect() {
        let config = ContainerConfig(env: ["TRICKY=$HOME \"q\" \\ end"], workingDir: "/w $X", labels: ["dollar": "$Y"])
        let lines = ImportChanges(config: config, dialect: .podman).lines()
        #expect(lines.contains("ENV \"TRICKY\"=\"$HOME \"q\" \\ end\""))
        #expect(lines.contains("LABEL \"dollar\"=\"$Y\""))
        #expect(lines.contains("WORKDIR /w $X"))
    }

    @Test("a stop signal by name, short name or number is the same signal; different signals differ")
    func stopSignalSpellings() {
        let named = ContainerConfig(stopSignal: "SIGUSR1")
        for same in ["10", "USR1", "sigusr1"] {
            #expect(RuntimeConfigComparison.differences(named, ContainerConfig(stopSignal: same)).isEmpty, "\(same)")
        }
        #expect(RuntimeConfigComparison.differences(named, ContainerConfig(stopSignal: "12")) == ["StopSignal: \"SIGUSR1\" became \"12\""])
        #expect(RuntimeConfigComparison.differences(ContainerConfig(stopSignal: "SIGRTMIN+3"), ContainerConfig(stopSignal: "RTMIN+3")).isEmpty)
    }

    @Test("the recommendation: single layer, too little, shared base, or flatten")
    func recommendation() {
        #expect(FlattenAnalysis.recommend(layerCount: 1, originalSize: 100, predictedSavings: 0, sharedLayerCount: 0, sharingImageCount: 0, keepSharedSavings: nil).0 == .notWorthIt)
        #expect(FlattenAnalysis.recommend(layerCount: 3, originalSize: 100_000_000, predictedSavings: 10_000, sharedLayerCount: 0, sharingImageCount: 0, keepSharedSavings: nil).0 == .notWorthIt)
        #expect(FlattenAnalysis.recommend(layerCount: 3, originalSize: 100_000_000, predictedSavings: 20_000_000, sharedLayerCount: 1, sharingImageCount: 4, keepSharedSavings: 19_000_000).0 == .keepShared)
        #expect(FlattenAnalysis.recommend(layerCount: 3, originalSize: 100_000_000, predictedSavings: 20_000_000, sharedLayerCount: 0, sharingImageCount: 0, keepSharedSavings: nil).0 == .flatten)
    }

    @Test("byte counts read like docker images")
    func byteCounts() {
        #expect(ByteCount(0).description == "0B")
        #expect(ByteCount(999).description == "999B")
        #expect(ByteCount(512_000).description == "512kB")
        #expect(ByteCount(1_982_256).description == "1.98MB")
        #expect(ByteCount(287_000_000).description == "287MB")
        #expect(ByteCount(12_340_000).description == "12.3MB")
        #expect(ByteCount(-2_500).description == "-2.5kB")
    }
}
