import Imaging

/// A codec setting from the command line (`none`, `jpeg:50`, `webp:10`, `jpeg2000:20`) and how to
/// apply it to a whole dataset through the codec cache.
public struct CodecChoice: CustomStringConvertible, Equatable, Sendable {
    /// The setting as written, such as `jpeg:50`; `none` for no codec.
    public let text: String

    /// Parses and validates a setting.
    ///
    /// - Throws: `DatasetError.mismatch` with the accepted forms when the text is not one.
    public init(_ text: String) throws {
        self.text = text
        if !isNone { _ = try CodecRoundTrip(text) }
    }

    /// True for `none`.
    public var isNone: Bool { text == "none" }

    /// The setting as written.
    public var description: String { text }

    /// `set` round-tripped through this codec (read from `cache` when present), or `set` itself
    /// for `none`.
    ///
    /// - Parameters:
    ///   - tag: names the source in the cache key (`clean`, or the poison's name).
    public func apply(to set: LabeledImages, split: Split, tag: String, dataset: DatasetName,
                      cache: CodecCache) throws -> LabeledImages {
        if isNone { return set }
        let roundTrip = try CodecRoundTrip(text)
        let key = CodecCache.Key(dataset: dataset.rawValue, split: split, codec: text, tag: tag, source: set)
        return try cache.roundTripped(set, key: key) { try roundTrip.apply($0) }.images
    }
}
