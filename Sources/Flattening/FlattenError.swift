import DockerEngine
import ImageArchive

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a flatten failed. The original image is never touched, and whatever the flatten had
/// created (temporary images, containers, spool files, tags) is removed before this is thrown.
///
/// Test for kinds with the `is…` properties; new kinds may be added without breaking callers.
/// ``description`` is one line a person can act on.
public struct FlattenError: Error, Sendable, CustomStringConvertible {
    enum Kind: Sendable {
        /// The image to flatten is not on the engine.
        case imageNotFound(reference: String)
        /// The base image of `--base` is not on the engine: a mistake in the request, not a
        /// host without the image (which an agent reports as skipped).
        case baseImageNotFound(reference: String)
        /// The options cannot be applied to this image.
        case invalidRequest(String)
        /// The engine could not be reached, or refused something.
        case engine(DockerEngineError)
        /// The work directory ran out of space.
        case noSpace(directory: String, detail: String)
        /// The work directory could not be used for another reason.
        case workDirectory(directory: String, detail: String)
        /// The saved image could not be read or merged.
        case archive(String)
        /// The engine at `engine` (a `DOCKER_HOST` value) ended the saved image before its end.
        case interruptedSave(engine: String, detail: String)
        /// The engine stored something other than what was sent.
        case engineMismatch(String)
        /// The flattened image does not hold what the original holds.
        case verificationFailed(differences: [String], total: Int)
        /// Pushing the new tag failed.
        case push(DockerEngineError)
        /// The registry credentials could not be read.
        case registryAuth(String)
        /// The task was cancelled.
        case canceled
    }

    let kind: Kind

    init(_ kind: Kind) {
        self.kind = kind
    }

    /// The image to flatten is not on the engine.
    public var isImageNotFound: Bool {
        if case .imageNotFound = kind { return true }
        return false
    }

    /// The base image named by `--base` is not on the engine.
    public var isBaseImageNotFound: Bool {
        if case .baseImageNotFound = kind { return true }
        return false
    }

    /// The engine could not be connected to (including a socket this process may not open).
    public var isEngineUnreachable: Bool {
        if case .engine(let error) = kind { return error.isUnreachable }
        return false
    }

    /// The work directory is full.
    public var isNoSpace: Bool {
        if case .noSpace = kind { return true }
        return false
    }

    /// Verification found a difference between the original and the flattened image.
    public var isVerificationFailed: Bool {
        if case .verificationFailed = kind { return true }
        return false
    }

    /// The options do not fit the image (nothing to flatten, a digest as new tag, …).
    public var isInvalidRequest: Bool {
        if case .invalidRequest = kind { return true }
        return false
    }

    /// The flatten was cancelled.
    public var isCanceled: Bool {
        if case .canceled = kind { return true }
        return false
    }

    /// The engine stopped sending the saved image before its end.
    public var isInterruptedSave: Bool {
        if case .interruptedSave = kind { return true }
        return false
    }

    /// The push to the registry failed.
    public var isPushFailure: Bool {
        switch kind {
        case .push, .registryAuth: return true
        default: return false
        }
    }

    /// Whether another attempt could succeed: a broken connection, an engine error, a full disk
    /// that may be cleaned, a registry that may come back. Bad requests, missing images and
    /// failed verification are not retryable.
    public var isRetryable: Bool {
        switch kind {
        case .imageNotFound, .baseImageNotFound, .invalidRequest, .verificationFailed, .archive, .registryAuth, .canceled:
            return false
        case .noSpace, .workDirectory, .engineMismatch, .interruptedSave:
            return true
        case .engine(let error), .push(let error):
            return error.isUnreachable || error.isTransportFailure || error.isServerError || error.isStreamError
        }
    }

    /// The differences verification found (at most the first 20), empty for other errors.
    public var verificationDifferences: [String] {
        if case .verificationFailed(let differences, _) = kind { return differences }
        return []
    }

    /// The engine's error behind this one, when there is one.
    public var engineError: DockerEngineError? {
        switch kind {
        case .engine(let error), .push(let error): return error
        default: return nil
        }
    }

    public var description: String {
        switch kind {
        case .imageNotFound(let reference):
            return "image '\(reference)' was not found on the engine"
        case .baseImageNotFound(let reference):
            return "base image '\(reference)' (--base) was not found on the engine; pull it on this host first or name a base image the host has"
        case .invalidRequest(let detail):
            return detail
        case .engine(let error):
            return error.description
        case .noSpace(let directory, let detail):
            return "no space left in the work directory \(directory) (\(detail)); free space or pass another --work-dir; the original image is untouched"
        case .workDirectory(let directory, let detail):
            return "cannot use the work directory \(directory): \(detail)"
        case .archive(let detail):
            return "cannot flatten the saved image: \(detail)"
        case .interruptedSave(let engine, let detail):
            return "the engine at \(engine) stopped sending the saved image before its end (\(detail)); was it stopped or restarted? Another attempt may succeed; the original image is untouched"
        case .engineMismatch(let detail):
            return "the engine did not store what was sent: \(detail)"
        case .verificationFailed(let differences, let total):
            let shown = differences.prefix(5).joined(separator: "; ")
            let more = total > 5 ? " (and \(total - 5) more)" : ""
            return "verification failed: the flattened image differs from the original: \(shown)\(more)"
        case .push(let error):
            return "push failed: \(error.description)"
        case .registryAuth(let detail):
            return "cannot read registry credentials: \(detail)"
        case .canceled:
            return "the flatten was cancelled; everything it had created was removed"
        }
    }
}

extension FlattenError {
    /// Wraps any error thrown while flattening into a ``FlattenError``, reading a full disk
    /// from the errno of file errors.
    static func wrapping(_ error: any Error, workDirectory: String) -> FlattenError {
        if let error = error as? FlattenError { return error }
        if error is CancellationError || Task.isCancelled { return FlattenError(.canceled) }
        if let error = error as? DockerEngineError { return FlattenError(.engine(error)) }
        if let error = error as? FileAccessError {
            if error.errno == ENOSPC || error.errno == EDQUOT {
                return FlattenError(.noSpace(directory: workDirectory, detail: error.description))
            }
            return FlattenError(.workDirectory(directory: workDirectory, detail: error.description))
        }
        if let error = error as? MergeError { return FlattenError(.archive(error.description)) }
        if let error = error as? ImageArchiveError { return FlattenError(.archive(error.description)) }
        if let error = error as? TarError { return FlattenError(.archive(error.description)) }
        return FlattenError(.archive(String(describing: error)))
    }
}
