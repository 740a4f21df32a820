import Foundation
import Testing
@testable import FlattenProtocol

private let hex64 = String(repeating: "0123456789abcdef", count: 4)
private let hex128 = hex64 + hex64

@Suite struct ImageReferenceTests {
    struct Valid: CustomTestStringConvertible, Sendable {
        var input: String
        var normalized: String
        var familiar: String
        var testDescription: String { input }
    }

    static let valid: [Valid] = [
        .init(input: "ubuntu", normalized: "docker.io/library/ubuntu", familiar: "ubuntu"),
        .init(input: "ubuntu:22.04", normalized: "docker.io/library/ubuntu:22.04", familiar: "ubuntu:22.04"),
        .init(input: "library/ubuntu", normalized: "docker.io/library/ubuntu", familiar: "ubuntu"),
        .init(input: "docker.io/ubuntu", normalized: "docker.io/library/ubuntu", familiar: "ubuntu"),
        .init(input: "docker.io/library/ubuntu:latest", normalized: "docker.io/library/ubuntu:latest", familiar: "ubuntu:latest"),
        .init(input: "index.docker.io/ubuntu", normalized: "docker.io/library/ubuntu", familiar: "ubuntu"),
        .init(input: "user/app:1.2", normalized: "docker.io/user/app:1.2", familiar: "user/app:1.2"),
        .init(input: "library/a/b", normalized: "docker.io/library/a/b", familiar: "library/a/b"),
        .init(input: "a/b/c/d", normalized: "docker.io/a/b/c/d", familiar: "a/b/c/d"),
        .init(input: "localhost/app", normalized: "localhost/app", familiar: "localhost/app"),
        .init(input: "localhost:5000/team/app:v1", normalized: "localhost:5000/team/app:v1", familiar: "localhost:5000/team/app:v1"),
        // Without a '/' the first component is never a host: this is the repository "localhost" tagged 5000.
        .init(input: "localhost:5000", normalized: "docker.io/library/localhost:5000", familiar: "localhost:5000"),
        .init(input: "127.0.0.1:55000/app", normalized: "127.0.0.1:55000/app", familiar: "127.0.0.1:55000/app"),
        .init(input: "1.2.3.4/app:x", normalized: "1.2.3.4/app:x", familiar: "1.2.3.4/app:x"),
        .init(input: "[::1]:5000/app:tag", normalized: "[::1]:5000/app:tag", familiar: "[::1]:5000/app:tag"),
        .init(input: "[2001:db8::1]/app", normalized: "[2001:db8::1]/app", familiar: "[2001:db8::1]/app"),
        .init(input: "registry.example.com/a/b/c:tag", normalized: "registry.example.com/a/b/c:tag", familiar: "registry.example.com/a/b/c:tag"),
        .init(input: "my-registry.example.com:443/app", normalized: "my-registry.example.com:443/app", familiar: "my-registry.example.com:443/app"),
        .init(input: "Example.COM/app", normalized: "Example.COM/app", familiar: "Example.COM/app"),
        // A first component with upper case is taken as a host, as Docker does.
        .init(input: "Foo/bar", normalized: "Foo/bar", familiar: "Foo/bar"),
        .init(input: "a.b_c__d---e", normalized: "docker.io/library/a.b_c__d---e", familiar: "a.b_c__d---e"),
        .init(input: "x-y/z.w_v", normalized: "docker.io/x-y/z.w_v", familiar: "x-y/z.w_v"),
        .init(input: "app:_tag", normalized: "docker.io/library/app:_tag", familiar: "app:_tag"),
        .init(input: "app:V1.2-RC.1_x", normalized: "docker.io/library/app:V1.2-RC.1_x", familiar: "app:V1.2-RC.1_x"),
        .init(input: "app:" + String(repeating: "t", count: 128),
              normalized: "docker.io/library/app:" + String(repeating: "t", count: 128),
              familiar: "app:" + String(repeating: "t", count: 128)),
        .init(input: "app@sha256:\(hex64)", normalized: "docker.io/library/app@sha256:\(hex64)", familiar: "app@sha256:\(hex64)"),
        .init(input: "app:1.2@sha256:\(hex64)", normalized: "docker.io/library/app:1.2@sha256:\(hex64)", familiar: "app:1.2@sha256:\(hex64)"),
        .init(input: "localhost:5000/app@sha512:\(hex128)", normalized: "localhost:5000/app@sha512:\(hex128)", familiar: "localhost:5000/app@sha512:\(hex128)"),
        // 9 + 1 + 8 + 237 = 255 characters of name: the limit exactly.
        .init(input: String(repeating: "a", count: 237),
              normalized: "docker.io/library/" + String(repeating: "a", count: 237),
              familiar: String(repeating: "a", count: 237)),
    ]

    @Test(arguments: valid)
    func parsesValidReference(_ entry: Valid) throws {
        let reference = try ImageReference(entry.input)
        #expect(reference.description == entry.normalized)
        #expect(reference.familiarDescription == entry.familiar)
        // The normalized form is itself valid and stable.
        #expect(try ImageReference(reference.description) == reference)
        #expect(try ImageReference(reference.familiarDescription) == reference)
    }

    struct Invalid: CustomTestStringConvertible, Sendable {
        var input: String
        var kind: ImageReferenceError.Kind
        var message: String
        var testDescription: String { input.count > 40 ? String(input.prefix(40)) + "…" : input }
    }

    static let invalid: [Invalid] = [
        .init(input: "", kind: .empty, message: "invalid image reference: the reference is empty"),
        .init(input: "UPPER:tag", kind: .uppercase, message: "repository name \"UPPER\" must be lowercase (upper case at position 1)"),
        .init(input: "user/App", kind: .uppercase, message: "repository name \"user/App\" must be lowercase (upper case at position 6)"),
        .init(input: "a:b:c", kind: .invalidTag, message: "invalid image reference \"a:b:c\": tag \"b:c\" has ':' at position 4 (a tag is"),
        .init(input: "app:", kind: .invalidTag, message: "the tag after ':' at position 4 is empty"),
        .init(input: ":tag", kind: .invalidFormat, message: "the repository name is empty (nothing at position 1)"),
        .init(input: "localhost:5000/:tag", kind: .invalidFormat, message: "the repository name is empty (nothing at position 16)"),
        .init(input: "-app", kind: .invalidFormat, message: "repository path component \"-app\" starts with '-' at position 1"),
        .init(input: "app-", kind: .invalidFormat, message: "repository path component \"app-\" ends with '-' at position 4"),
        .init(input: "a..b", kind: .invalidFormat, message: "repository path component \"a..b\" has '..' at position 2"),
        .init(input: "a___b", kind: .invalidFormat, message: "repository path component \"a___b\" has '___' at position 2"),
        .init(input: "a._b", kind: .invalidFormat, message: "repository path component \"a._b\" has '._' at position 2"),
        .init(input: "a//b", kind: .invalidFormat, message: "repository path \"a//b\" has an empty component at position 3"),
        .init(input: "app/", kind: .invalidFormat, message: "repository path \"app/\" has an empty component at position 5"),
        .init(input: "localhost:5000/", kind: .invalidFormat, message: "the repository name is empty (nothing at position 16)"),
        .init(input: " app", kind: .invalidFormat, message: "repository path component \" app\" has ' ' at position 1"),
        .init(input: "app!", kind: .invalidFormat, message: "repository path component \"app!\" has '!' at position 4"),
        .init(input: "app\tx", kind: .invalidFormat, message: "repository path component \"app\\tx\" has \"\\t\" at position 4"),
        .init(input: "example.com:port/app", kind: .invalidFormat, message: "registry host \"example.com:port\" has 'p' at position 13 in its port"),
        .init(input: "example.com:/app", kind: .invalidFormat, message: "registry host \"example.com:\" has ':' at position 12 with no port after it"),
        .init(input: "ex_ample.com/app", kind: .invalidFormat, message: "registry host \"ex_ample.com\" has '_' at position 3"),
        .init(input: "-example.com/app", kind: .invalidFormat, message: "registry host \"-example.com\" starts a name with '-' at position 1"),
        .init(input: "example-.com/app", kind: .invalidFormat, message: "registry host \"example-.com\" ends a name with '-' at position 8"),
        .init(input: "example..com/app", kind: .invalidFormat, message: "registry host \"example..com\" has an empty name between dots at position 9"),
        .init(input: "[::1/app", kind: .invalidFormat, message: "registry host \"[::1\" has '[' at position 1 and no ']' after it"),
        .init(input: "[]:5000/app", kind: .invalidFormat, message: "registry host \"[]:5000\" has nothing between '[' and ']' at position 2"),
        .init(input: "[::g]/app", kind: .invalidFormat, message: "registry host \"[::g]\" has 'g' at position 4 in its IPv6 address"),
        .init(input: "[::1]:5000", kind: .invalidFormat, message: "repository path component \"[\" has '[' at position 1"),
        .init(input: "app:-tag", kind: .invalidTag, message: "tag \"-tag\" starts with '-' at position 5 (a tag is 1 to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-')"),
        .init(input: "app:.tag", kind: .invalidTag, message: "tag \".tag\" starts with '.' at position 5"),
        .init(input: "app:t@g", kind: .invalidDigest, message: "invalid digest at position 7: \"g\" is not of the form algorithm:hex"),
        .init(input: "app:" + String(repeating: "t", count: 129), kind: .invalidTag, message: "at position 5 has 129 characters, more than 128"),
        .init(input: "app@sha256:abc", kind: .invalidDigest, message: "invalid digest at position 12: sha256 digest must have 64 hex digits, not 3"),
        .init(input: "app@sha256:" + hex64.uppercased(), kind: .invalidDigest, message: "invalid digest at position 22: sha256 digest must be lowercase hexadecimal, not 'A'"),
        .init(input: "app@sha256:" + hex64 + "0", kind: .invalidDigest, message: "must have 64 hex digits, not 65"),
        .init(input: "app@md5:" + String(hex64.prefix(32)), kind: .invalidDigest, message: "invalid digest at position 5: unsupported algorithm \"md5\""),
        .init(input: "app@sha256", kind: .invalidDigest, message: "is not of the form algorithm:hex"),
        .init(input: "app@", kind: .invalidDigest, message: "\"\" is not of the form algorithm:hex"),
        .init(input: "app@:\(hex64)", kind: .invalidDigest, message: "is not of the form algorithm:hex"),
        .init(input: "app@sha256:\(hex64)@x", kind: .invalidDigest, message: "invalid digest at position 76: sha256 digest must be lowercase hexadecimal, not '@'"),
        .init(input: hex64, kind: .imageID, message: "is an image ID, not a repository name"),
        .init(input: String(repeating: "a", count: 238), kind: .nameTooLong, message: "not be longer than 255 characters (it has 256)"),
        .init(input: "registry.example.com/" + String(repeating: "a/", count: 120) + "b", kind: .nameTooLong, message: "(it has 262)"),
    ]

    @Test(arguments: invalid)
    func rejectsInvalidReference(_ entry: Invalid) {
        #expect {
            try ImageReference(entry.input)
        } throws: { error in
            guard let error = error as? ImageReferenceError else { return false }
            return error.kind == entry.kind && error.description.contains(entry.message)
                && error.input == entry.input
                // Every fault is named: never the bare grammar verdict of old.
                && !error.description.contains("invalid reference format")
        }
    }

    static func message(_ input: String) -> String {
        do {
            _ = try ImageReference(input)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test func errorDescriptionsNameTheProblem() {
        #expect(Self.message("UPPER:tag") == "invalid image reference \"UPPER:tag\": repository name \"UPPER\" must be lowercase (upper case at position 1)")
        #expect(Self.message("a:b:c") == "invalid image reference \"a:b:c\": tag \"b:c\" has ':' at position 4 (a tag is 1 to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-')")
        #expect(Self.message("") == "invalid image reference: the reference is empty")
        #expect(Self.message("app@sha256:abc") == "invalid image reference \"app@sha256:abc\": invalid digest at position 12: sha256 digest must have 64 hex digits, not 3")
    }

    @Test("every fault is named with its position, in the order they appear")
    func everyFaultIsNamed() throws {
        #expect(Self.message("UPPER/Case::x") == "invalid image reference \"UPPER/Case::x\": repository name \"Case\" must be lowercase (upper case at position 7); tag \":x\" has ':' at position 12 (a tag is 1 to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-')")

        let error = try #require(throws: ImageReferenceError.self) { try ImageReference("ex_ample.com/App/-x:.t!@md5:1") }
        #expect(error.kinds == [.invalidFormat, .uppercase, .invalidFormat, .invalidTag, .invalidDigest])
        #expect(error.faults.map(\.position) == [3, 14, 18, 21, 25])
        #expect(error.description == "invalid image reference \"ex_ample.com/App/-x:.t!@md5:1\": "
            + "registry host \"ex_ample.com\" has '_' at position 3 (a registry host is a host name, an IPv4 address or a bracketed IPv6 address, with an optional numeric port); "
            + "repository name \"App/-x\" must be lowercase (upper case at position 14); "
            + "repository path component \"-x\" starts with '-' at position 18 (a component is lowercase letters and digits separated by '.', '_', '__' or dashes); "
            + "tag \".t!\" starts with '.' at position 21 and has '!' at position 23 (a tag is 1 to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'); "
            + "invalid digest at position 25: unsupported algorithm \"md5\"; expected sha256, sha384 or sha512")

        // Upper case is said once for the path, not again as a bad component.
        let upper = try #require(throws: ImageReferenceError.self) { try ImageReference("user/App_X") }
        #expect(upper.kinds == [.uppercase])
        // The same empty component twice is said once.
        let empty = try #require(throws: ImageReferenceError.self) { try ImageReference("a//b//c") }
        #expect(empty.kinds == [.invalidFormat])
        // A tag with many bad characters names the first five.
        let tag = try #require(throws: ImageReferenceError.self) { try ImageReference("app:a!b@") }
        #expect(tag.kinds == [.invalidTag, .invalidDigest])
        #expect(tag.faults.first?.description.hasPrefix("tag \"a!b\" has '!' at position 6 (") == true, "\(tag)")
        let many = try #require(throws: ImageReferenceError.self) { try ImageReference("app:!!!!!!!!") }
        #expect(many.description.contains("has '!' at position 9 and more"), "\(many)")
    }

    @Test("a reference without tag or digest names the tag an engine looks up: latest")
    func impliedTag() throws {
        #expect(try ref("demo/shop").withImpliedTag.familiarDescription == "demo/shop:latest")
        #expect(try ref("demo/shop:1.0").withImpliedTag.familiarDescription == "demo/shop:1.0")
        #expect(try ref("demo/shop@sha256:\(hex64)").withImpliedTag.familiarDescription == "demo/shop@sha256:\(hex64)")
    }

    @Test func exposesParts() throws {
        let reference = try ImageReference("localhost:5000/team/app:v1@sha256:\(hex64)")
        #expect(reference.domain == "localhost:5000")
        #expect(reference.path == "team/app")
        #expect(reference.tag == "v1")
        #expect(reference.digest == "sha256:\(hex64)")
        #expect(reference.fullName == "localhost:5000/team/app")
        #expect(reference.familiarName == "localhost:5000/team/app")
        #expect(reference.repository.description == "localhost:5000/team/app")

        let hub = try ImageReference("ubuntu")
        #expect(hub.domain == "docker.io")
        #expect(hub.path == "library/ubuntu")
        #expect(hub.tag == nil)
        #expect(hub.fullName == "docker.io/library/ubuntu")
        #expect(hub.familiarName == "ubuntu")
    }

    @Test func tagOrLatest() throws {
        #expect(try ref("app").tagOrLatest == "latest")
        #expect(try ref("app:1.2").tagOrLatest == "1.2")
        #expect(try ref("app@sha256:\(hex64)").tagOrLatest == "latest")
    }

    @Test func withTagReplacesTagAndDropsDigest() throws {
        #expect(try ref("app:1@sha256:\(hex64)").withTag("2").description == "docker.io/library/app:2")
        #expect(try ref("localhost:5000/app").withTag("x").description == "localhost:5000/app:x")
        #expect {
            try ref("app").withTag("-bad")
        } throws: { error in
            (error as? ImageReferenceError)?.kind == .invalidTag
                && "\(error)".contains("invalid image reference \"docker.io/library/app:-bad\": tag \"-bad\" starts with '-' at position 23")
        }
        #expect(throws: ImageReferenceError.self) { try ref("app").withTag("") }
        #expect(throws: ImageReferenceError.self) { try ref("app").withTag(String(repeating: "t", count: 129)) }
    }

    @Test(arguments: [
        ("app:1.2", "app:1.2-flat"),
        ("app", "app:latest-flat"),
        ("app@sha256:\(hex64)", "app:flat"),
        ("app:1.2@sha256:\(hex64)", "app:1.2-flat"),
        ("localhost:5000/team/app:v1", "localhost:5000/team/app:v1-flat"),
    ])
    func defaultFlattenedReference(input: String, expected: String) throws {
        let flattened = try ref(input).defaultFlattenedReference
        #expect(flattened.familiarDescription == expected)
        #expect(try ImageReference(flattened.description) == flattened)
    }

    @Test func defaultFlattenedReferenceStaysWithinTheTagLimit() throws {
        let longTag = String(repeating: "t", count: 128)
        let flattened = try ref("app:" + longTag).defaultFlattenedReference
        let tag = try #require(flattened.tag)
        #expect(tag.count == 128)
        #expect(tag == String(repeating: "t", count: 123) + "-flat")
        #expect(try ImageReference(flattened.description) == flattened)
    }

    @Test func codesAsJSONString() throws {
        struct Box: Codable, Equatable { var image: ImageReference }
        let box = Box(image: try ref("app:1.2"))
        let data = try JSONEncoder.flattenProtocol.encode(box)
        #expect(String(decoding: data, as: UTF8.self) == #"{"image":"docker.io/library/app:1.2"}"#)
        #expect(try decode(Box.self, #"{"image":"app:1.2"}"#) == box)

        let failure = try #require(decodingFailure(Box.self, #"{"image":"UPPER:tag"}"#))
        #expect(failure == "image: invalid image reference \"UPPER:tag\": repository name \"UPPER\" must be lowercase (upper case at position 1)")
        #expect(decodingFailure(Box.self, #"{"image":7}"#)?.contains("expected a value of type String at image") == true)
    }
}
