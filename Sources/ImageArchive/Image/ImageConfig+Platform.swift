extension ImageConfig {
    /// The platform an image runs on, `os/architecture[/variant]` (`linux/amd64`,
    /// `linux/arm/v7`), as an image config and an OCI descriptor record it.
    ///
    /// A multi-platform save holds one image per platform (often only some of them complete);
    /// the platform names which one a flatten reads.
    public struct Platform: Hashable, Sendable, CustomStringConvertible {
        public var os: String
        public var architecture: String
        public var variant: String?

        public init(os: String, architecture: String, variant: String? = nil) {
            self.os = os
            self.architecture = architecture
            self.variant = variant.flatMap { $0.isEmpty ? nil : $0 }
        }

        /// Parses `linux/amd64` or `linux/arm64/v8`.
        public init(parsing text: String) throws {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
                throw ImageArchiveError(.invalidArgument, detail: "'\(text)' is not a platform; write os/architecture[/variant], such as linux/amd64 or linux/arm64/v8")
            }
            self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
        }

        /// The `os`, `architecture` and `variant` members of a config or of an OCI descriptor's
        /// `platform`; nil when `os` or `architecture` is missing.
        init?(json: JSONValue?) {
            guard let json, let os = json["os"]?.stringValue, let architecture = json["architecture"]?.stringValue, !os.isEmpty, !architecture.isEmpty else {
                return nil
            }
            self.init(os: os, architecture: architecture, variant: json["variant"]?.stringValue)
        }

        public var description: String {
            [os, architecture, variant].compactMap { $0 }.joined(separator: "/")
        }

        /// Whether an image of `platform` is what this platform asks for. A request without a
        /// variant accepts any variant; `arm64` images without a variant are `v8`, as
        /// containerd normalizes them.
        public func matches(_ platform: Platform) -> Bool {
            guard os == platform.os, architecture == platform.architecture else { return false }
            guard let variant else { return true }
            return variant == (platform.variant ?? (platform.architecture == "arm64" ? "v8" : nil))
        }

        /// The platform as an OCI descriptor's `platform` member.
        var json: JSONValue {
            var members = [JSONMember(key: "architecture", value: .string(architecture)), JSONMember(key: "os", value: .string(os))]
            if let variant { members.append(JSONMember(key: "variant", value: .string(variant))) }
            return .object(members)
        }
    }

    /// The config's `os`, `architecture` and `variant`; nil when it lacks `os` or
    /// `architecture`.
    public var platform: Platform? { Platform(json: json) }
}
