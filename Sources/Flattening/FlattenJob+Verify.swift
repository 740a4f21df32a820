import DockerEngine

extension FlattenJob {
    /// Verifies the new image against the original with ``ImageVerifier``.
    ///
    /// - Throws: ``FlattenError`` with ``FlattenError/isVerificationFailed`` naming the first
    ///   differing fields and paths.
    func verify(original: ImageInspect, newImageID: String, context: Context) async throws {
        let recorder = context.recorder
        let verifier = ImageVerifier(engine: engine, workDirectory: context.directory.path, containerNamePrefix: "flatten-\(id)-verify")
        let differences = try await verifier.differences(between: original.id, and: newImageID) { recorder.advance($0) }
        guard differences.isEmpty else {
            throw FlattenError(.verificationFailed(differences: Array(differences.prefix(20)), total: differences.count))
        }
    }
}
