import DockerEngine
import FlattenProtocol

extension FlattenJob {
    /// Tags the new image with the new tag, and with the original reference under `--replace`.
    /// Each reference's previous image is recorded so a later failure can restore it.
    ///
    /// - Returns: the references written, normalized (`docker.io/library/app:1.2-flat`).
    func tag(newImageID: String, context: Context) async throws -> [String] {
        var references = [context.subject.newTag]
        if options.replace {
            references.append(image.repository.taggedOrLatest(image.tag))
        }
        var written: [String] = []
        for reference in references {
            let name = reference.fullName + ":" + reference.tagOrLatest
            let previous: String?
            do {
                previous = try await engine.inspectImage(name).id
            } catch let error as DockerEngineError where error.isNotFound {
                previous = nil
            }
            guard previous != newImageID else {
                written.append(name)
                continue
            }
            try await engine.tagImage(newImageID, repository: reference.fullName, tag: reference.tagOrLatest)
            await context.resources.addTag(name, previous: previous)
            written.append(name)
        }
        return written
    }

    /// Pushes `reference` to its registry with ``registryAuth``, or the docker config file's
    /// credentials for that registry, or none.
    func push(_ reference: ImageReference, context: Context) async throws {
        let auth: RegistryAuth?
        if let registryAuth {
            auth = registryAuth
        } else {
            do {
                auth = try RegistryAuth.fromDockerConfig(registry: reference.domain)
            } catch {
                throw FlattenError(.registryAuth("\(error)"))
            }
        }
        do {
            try await engine.pushImage(repository: reference.fullName, tag: reference.tagOrLatest, auth: auth)
        } catch let error as DockerEngineError {
            throw FlattenError(.push(error))
        }
    }
}

extension ImageReference {
    /// This repository with `tag` (or `latest`).
    func taggedOrLatest(_ tag: String?) -> ImageReference {
        (try? withTag(tag ?? "latest")) ?? self
    }
}
