/// How many of an image's lowest layers a partial flatten keeps, and why: the pure rules behind
/// `--keep-layers`, `--base` and `--keep-shared`, given diff IDs (lowest first).
public struct KeptLayers: Sendable, Hashable {
    /// Layers kept as they are (0: everything is squashed).
    public var count: Int
    /// Notes for the result's warnings (for example "no layer is shared with the base").
    public var notes: [String]

    public init(count: Int, notes: [String] = []) {
        self.count = count
        self.notes = notes
    }

    /// `--keep-layers n`: keep the lowest `n` layers; at least one layer must remain to squash.
    public static func lowest(_ n: Int, of layers: [String]) throws(FlattenError) -> KeptLayers {
        guard n >= 1 else {
            throw FlattenError(.invalidRequest("--keep-layers must be at least 1 (it is \(n)); leave it out to flatten every layer"))
        }
        guard n < layers.count else {
            throw FlattenError(.invalidRequest("cannot keep \(n) layers of an image that has \(layers.count): nothing would be left to flatten"))
        }
        return KeptLayers(count: n)
    }

    /// `--base IMAGE`: keep the leading layers this image shares with the base image.
    public static func shared(with baseLayers: [String], base: String, of layers: [String]) throws(FlattenError) -> KeptLayers {
        let shared = commonPrefixLength(layers, baseLayers)
        if shared >= layers.count {
            throw FlattenError(.invalidRequest("every layer of the image is a layer of the base image '\(base)': nothing would be left to flatten"))
        }
        if shared == 0 {
            return KeptLayers(count: 0, notes: ["the image shares no leading layer with the base image '\(base)': every layer was flattened"])
        }
        return KeptLayers(count: shared)
    }

    /// `--keep-shared`: keep the longest run of lowest layers that another local image also
    /// uses, so a base shared by many images stays shared. `others` are the other images' diff
    /// IDs (the image itself excluded). When another image holds every layer of this one (an
    /// image built from it), all but the top layer are kept.
    public static func sharedWithOtherImages(_ others: [[String]], of layers: [String]) -> KeptLayers {
        let longest = others.map { commonPrefixLength(layers, $0) }.max() ?? 0
        var notes: [String] = []
        let users = others.filter { commonPrefixLength(layers, $0) == longest && longest > 0 }.count
        if longest >= layers.count {
            notes.append("another local image uses every layer of this one; kept all but the top layer")
            return KeptLayers(count: layers.count - 1, notes: notes)
        }
        if longest == 0 {
            notes.append("no other local image shares the image's lowest layer: every layer was flattened")
        } else {
            notes.append("kept the lowest \(longest) layer\(longest == 1 ? "" : "s"), shared with \(users) other local image\(users == 1 ? "" : "s")")
        }
        return KeptLayers(count: longest, notes: notes)
    }

    /// The number of leading elements `a` and `b` have in common.
    public static func commonPrefixLength(_ a: [String], _ b: [String]) -> Int {
        zip(a, b).prefix { $0 == $1 }.count
    }
}
