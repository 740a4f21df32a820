import FlattenProtocol

/// How a flatten ended when it did not fail.
public enum FlattenOutcome: Sendable, Hashable {
    /// The image was flattened and tagged.
    case flattened(FlattenResult)
    /// Nothing was done: the flatten would save less than `minSavings`. No image or tag was
    /// left behind. The reason names the predicted (or, for strategy `export`, measured)
    /// savings and the minimum.
    case skipped(reason: String)

    /// The result, when the image was flattened.
    public var result: FlattenResult? {
        if case .flattened(let result) = self { return result }
        return nil
    }
}
