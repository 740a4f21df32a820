/// Docker's spelling of image references and IDs, for answers from engines that spell them
/// otherwise.
///
/// Podman names images fully qualified (`docker.io/library/app:1`) and often gives IDs as bare
/// hex; Docker answers `app:1` and `sha256:<hex>`. The client decodes every engine's answers
/// into Docker's spelling, so that callers compare one form whatever the engine. Both rules
/// leave Docker's own answers as they are.
enum EngineSpelling {
    /// `docker.io/library/app:1` → `app:1`, `docker.io/user/app:1` → `user/app:1`; other
    /// registries (`localhost/app:1`, `127.0.0.1:5000/app:1`) stay.
    static func familiar(_ reference: String) -> String {
        if reference.hasPrefix("docker.io/library/") { return String(reference.dropFirst("docker.io/library/".count)) }
        if reference.hasPrefix("docker.io/") { return String(reference.dropFirst("docker.io/".count)) }
        return reference
    }

    /// 64 hex digits → `sha256:<hex>`; anything else (`sha256:…`, `<missing>`) stays.
    static func imageID(_ id: String) -> String {
        guard id.utf8.count == 64, id.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return id }
        return "sha256:" + id
    }
}
