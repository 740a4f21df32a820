extension ImageReferenceError {
    /// One thing wrong with a reference, and where: ``position`` counts characters from 1, as an
    /// editor's column does.
    public struct Fault: Sendable, Hashable, CustomStringConvertible {
        private enum Problem: Hashable {
            case empty
            case imageID
            case uppercase(repository: String)
            case emptyName
            case emptyComponent(path: String)
            /// `found` says what is where, positions included ("has '!' at position 4").
            case invalidComponent(component: String, found: String)
            case invalidDomain(domain: String, found: String)
            case invalidTag(tag: String, found: String)
            case emptyTag
            case tagTooLong(tag: String)
            case invalidDigest(detail: String)
            case nameTooLong(length: Int)
        }

        private let problem: Problem
        /// Where the fault is (1 is the first character); nil for a fault of the whole, such as
        /// a name that is too long.
        public let position: Int?

        private init(_ problem: Problem, at position: Int?) {
            self.problem = problem
            self.position = position
        }

        static func empty() -> Self { Self(.empty, at: nil) }
        static func imageID() -> Self { Self(.imageID, at: 1) }
        static func uppercase(repository: String, at position: Int) -> Self {
            Self(.uppercase(repository: repository), at: position)
        }
        static func emptyName(at position: Int) -> Self { Self(.emptyName, at: position) }
        static func emptyComponent(path: String, at position: Int) -> Self { Self(.emptyComponent(path: path), at: position) }
        static func invalidComponent(_ component: String, found: String, at position: Int) -> Self {
            Self(.invalidComponent(component: component, found: found), at: position)
        }
        static func invalidDomain(_ domain: String, found: String, at position: Int) -> Self {
            Self(.invalidDomain(domain: domain, found: found), at: position)
        }
        static func invalidTag(_ tag: String, found: String, at position: Int) -> Self {
            Self(.invalidTag(tag: tag, found: found), at: position)
        }
        /// `position` is the `:` that announces the missing tag.
        static func emptyTag(at position: Int) -> Self { Self(.emptyTag, at: position) }
        static func tagTooLong(_ tag: String, at position: Int) -> Self { Self(.tagTooLong(tag: tag), at: position) }
        static func invalidDigest(_ detail: String, at position: Int) -> Self { Self(.invalidDigest(detail: detail), at: position) }
        static func nameTooLong(length: Int) -> Self { Self(.nameTooLong(length: length), at: nil) }

        public var kind: Kind {
            switch problem {
            case .empty: .empty
            case .imageID: .imageID
            case .uppercase: .uppercase
            case .emptyName, .emptyComponent, .invalidComponent, .invalidDomain: .invalidFormat
            case .invalidTag, .emptyTag, .tagTooLong: .invalidTag
            case .invalidDigest: .invalidDigest
            case .nameTooLong: .nameTooLong
            }
        }

        public var description: String {
            let at = position.map { " at position \($0)" } ?? ""
            switch problem {
            case .empty:
                return "the reference is empty"
            case .imageID:
                return "a 64-character hexadecimal string is an image ID, not a repository name"
            case .uppercase(let repository):
                return "repository name \(String(reflecting: repository)) must be lowercase (upper case\(at))"
            case .emptyName:
                return "the repository name is empty (nothing\(at))"
            case .emptyComponent(let path):
                return "repository path \(String(reflecting: path)) has an empty component\(at)"
            case .invalidComponent(let component, let found):
                return "repository path component \(String(reflecting: component)) \(found) (a component is lowercase letters and digits separated by '.', '_', '__' or dashes)"
            case .invalidDomain(let domain, let found):
                return "registry host \(String(reflecting: domain)) \(found) (a registry host is a host name, an IPv4 address or a bracketed IPv6 address, with an optional numeric port)"
            case .invalidTag(let tag, let found):
                return "tag \(String(reflecting: tag)) \(found) (\(Self.tagRule))"
            case .emptyTag:
                return "the tag after ':'\(at) is empty (\(Self.tagRule))"
            case .tagTooLong(let tag):
                return "tag \(String(reflecting: tag))\(at) has \(tag.count) characters, more than \(ImageReference.maximumTagLength)"
            case .invalidDigest(let detail):
                return "invalid digest\(at): \(detail)"
            case .nameTooLong(let length):
                return "repository name must not be longer than \(ImageReference.maximumNameLength) characters (it has \(length))"
            }
        }

        private static let tagRule = "a tag is 1 to \(ImageReference.maximumTagLength) letters, digits, '_', '.' and '-', not starting with '.' or '-'"
    }
}
