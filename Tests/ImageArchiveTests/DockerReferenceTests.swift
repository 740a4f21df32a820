import Testing
@testable import ImageArchive

@Suite("Image references")
struct DockerReferenceTests {
    @Test(arguments: [
        ("shop:1.0-flat", "docker.io/library/shop:1.0-flat", "shop:1.0-flat", "1.0-flat"),
        ("shop", "docker.io/library/shop:latest", "shop:latest", "latest"),
        ("user/app:tag", "docker.io/user/app:tag", "user/app:tag", "tag"),
        ("docker.io/library/shop:2", "docker.io/library/shop:2", "shop:2", "2"),
        ("index.docker.io/user/app:3", "docker.io/user/app:3", "user/app:3", "3"),
        ("127.0.0.1:5000/x:1", "127.0.0.1:5000/x:1", "127.0.0.1:5000/x:1", "1"),
        ("localhost/x:1", "localhost/x:1", "localhost/x:1", "1"),
        ("ghcr.io/org/team/app:v1.2_3", "ghcr.io/org/team/app:v1.2_3", "ghcr.io/org/team/app:v1.2_3", "v1.2_3"),
        ("registry:5000/app", "registry:5000/app:latest", "registry:5000/app:latest", "latest"),
    ])
    func normalizes(input: String, full: String, familiar: String, tag: String) throws {
        let reference = try DockerReference(parsing: input)
        #expect(reference.fullyQualified == full)
        #expect(reference.familiar == familiar)
        #expect(reference.tag == tag)
    }

    @Test(arguments: ["Shop:1", "shop@sha256:" + String(repeating: "a", count: 64), "shop:", "a//b:1", "", "shop:-x", "shop:a b"])
    func rejects(input: String) {
        #expect(throws: ImageArchiveError.self) { try DockerReference(parsing: input) }
    }
}
