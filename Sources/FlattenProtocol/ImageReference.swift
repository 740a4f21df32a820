/// A Docker image reference: `[host[:port]/]path[:tag][@digest]`, normalized the way Docker
/// normalizes it.
///
/// Parsed by ``init(_:)`` following the distribution/reference grammar and Docker's
/// normalization: a first path component containing `.` or `:`, equal to `localhost`, or
/// containing upper-case letters is a registry host; otherwise the host is `docker.io`, and a
/// single-component Docker Hub path gets the `library/` prefix. So `ubuntu` is
/// `docker.io/library/ubuntu` (``fullName``) and shows as `ubuntu` (``familiarName``).
///
/// Encodes to and decodes from a JSON string (the normalized ``description``); an invalid
/// string fails decoding with the reason.
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    /// Docker Hub's registry host, assumed when a reference names none.
    public static let defaultDomain = "docker.io"
    /// The longest repository name (host and path) allowed.
    public static let maximumNameLength = 255
    /// The longest tag allowed.
    public static let maximumTagLength = 128

    /// The registry host with an optional port, e.g. `docker.io`, `localhost:5000`, `[::1]:5000`.
    public let domain: String
    /// The repository path within the registry, e.g. `library/ubuntu`.
    public let path: String
    /// The tag, if one was given; see ``tagOrLatest``.
    public let tag: String?
    /// The content digest, e.g. `sha256:…`, if one was given.
    public let digest: String?

    /// Builds a reference from parts already known to be valid and normalized.
    init(domain: String, path: String, tag: String?, digest: String?) {
        self.domain = domain
        self.path = path
        self.tag = tag
        self.digest = digest
    }

    /// The normalized repository name, e.g. `docker.io/library/ubuntu`.
    public var fullName: String { domain + "/" + path }

    /// The repository name as Docker shows it, e.g. `ubuntu`, `user/app`, `localhost:5000/app`.
    public var familiarName: String {
        guard domain == Self.defaultDomain else { return fullName }
        let officialPrefix = "library/"
        if path.hasPrefix(officialPrefix), !path.dropFirst(officialPrefix.count).contains("/") {
            return String(path.dropFirst(officialPrefix.count))
        }
        return path
    }

    /// The normalized reference, e.g. `docker.io/library/ubuntu:22.04`.
    public var description: String { fullName + suffix }

    /// The reference as Docker shows it, e.g. `ubuntu:22.04`.
    public var familiarDescription: String { familiarName + suffix }

    private var suffix: String {
        (tag.map { ":" + $0 } ?? "") + (digest.map { "@" + $0 } ?? "")
    }

    /// The tag, or `latest` when none was given (and no digest pins the image).
    public var tagOrLatest: String { tag ?? "latest" }

    /// The image an engine looks up for this reference: `demo/shop` is `demo/shop:latest`; a
    /// reference with a tag or a digest is itself. Messages about a missing image name it, so
    /// the reader sees the `latest` that was looked for.
    public var withImpliedTag: ImageReference {
        guard tag == nil, digest == nil else { return self }
        return ImageReference(domain: domain, path: path, tag: "latest", digest: nil)
    }

    /// The same repository with only a tag: `tag` replaces any tag and drops any digest,
    /// because a tag written now names a new image that the old digest would contradict.
    ///
    /// - Throws: ``ImageReferenceError`` when `tag` is not a valid tag.
    public func withTag(_ tag: String) throws(ImageReferenceError) -> ImageReference {
        let input = fullName + ":" + tag
        let colon = input.index(input.endIndex, offsetBy: -(tag.count + 1))
        if let fault = Self.tagFault(input[input.index(after: colon)...], colon: colon, position: {
            input.distance(from: input.startIndex, to: $0) + 1
        }) {
            throw ImageReferenceError(input: input, fault)
        }
        return ImageReference(domain: domain, path: path, tag: tag, digest: nil)
    }

    /// The same repository with neither tag nor digest.
    public var repository: ImageReference {
        ImageReference(domain: domain, path: path, tag: nil, digest: nil)
    }

    /// The reference a flattened image gets when no tag is requested: `NAME:TAG-flat`.
    ///
    /// `app:1.2` gives `app:1.2-flat`, `app` gives `app:latest-flat`, and a digest-only
    /// `app@sha256:…` gives `app:flat`. A tag too long to take the suffix is shortened first so
    /// that the result stays within ``maximumTagLength``.
    public var defaultFlattenedReference: ImageReference {
        let suffix = "-flat"
        let newTag: String
        if tag == nil, digest != nil {
            newTag = "flat"
        } else {
            newTag = String(tagOrLatest.prefix(Self.maximumTagLength - suffix.count)) + suffix
        }
        return ImageReference(domain: domain, path: path, tag: newTag, digest: nil)
    }
}
