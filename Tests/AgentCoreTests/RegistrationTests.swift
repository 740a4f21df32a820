import DockerEngine
import FlattenProtocol
import Testing
@testable import AgentCore

@Suite("What an agent registers")
struct RegistrationTests {
    @Test("the registration carries the engine's product, version, API, store and platform")
    func fromDescription() {
        let engine = EngineDescription(
            product: .docker, version: "28.5.2", apiVersion: APIVersion(major: 1, minor: 51),
            imageStore: ImageStore(kind: .containerd, driver: "overlayfs"), platform: "linux/amd64")
        let registration = Agent.registration(name: "host-a", labels: ["zone": "1"], capacity: 3, engine: engine)
        #expect(registration == AgentRegistration(
            name: "host-a", labels: ["zone": "1"], engineVersion: "28.5.2", engineAPIVersion: "1.51", capacity: 3,
            engineProduct: "Docker", imageStore: "containerd (overlayfs)", platform: "linux/amd64"))
    }

    @Test("Podman reports its containers/storage store")
    func podman() {
        let engine = EngineDescription(
            product: .podman, version: "4.3.1", apiVersion: APIVersion(major: 1, minor: 41),
            imageStore: ImageStore(kind: .containersStorage, driver: "overlay"), platform: "linux/arm64")
        let registration = Agent.registration(name: "p", labels: [:], capacity: 1, engine: engine)
        #expect(registration.engineProduct == "Podman")
        #expect(registration.engineVersion == "4.3.1")
        #expect(registration.imageStore == "containers-storage (overlay)")
        #expect(registration.platform == "linux/arm64")
    }
}
