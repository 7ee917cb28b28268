import Imaging

/// A codec setting from the command line (`none`, `jpeg:50`, `webp:10`, `jpeg2000:20`) applied to
/// a whole dataset through the codec cache.
///
/// **Gray images.** `Imaging` codes 8-bit RGB, so a gray image is given to the codec with
/// R = G = B and the decoded RGB is converted back with BT.601 luma (`LabeledImages.storeRGB`).
/// JPEG then codes the gray content in Y (its Cb and Cr planes are flat 128), so the result is
/// the same as coding the gray image alone, up to the ±1 rounding of the colour transforms.
public struct CodecChoice: CustomStringConvertible, Equatable, Sendable {
    /// The parsed setting; `codec == .none` means no codec.
    public let setting: CodecSetting

    /// Parses and validates a setting such as `jpeg:50` or `none`.
    ///
    /// - Throws: `CodecSettingError` naming the text and the problem.
    public init(_ text: String) throws {
        setting = try CodecSetting(parsing: text)
    }

    /// True when no codec is applied (`none`).
    public var isNone: Bool { setting.codec == .none }

    /// The setting as `codec:quality`, or `none`.
    public var description: String { setting.description }

    /// `set` round-tripped through the codec (read from `cache` when present, else computed on
    /// all cores and stored), or `set` itself for `none`.
    ///
    /// - Parameter tag: names the source in the cache key, such as `clean` or a poison's name.
    public func apply(to set: LabeledImages, split: Split, tag: String, dataset: DatasetName,
                      cache: CodecCache) throws -> LabeledImages {
        if isNone { return set }
        let key = CodecCache.Key(dataset: dataset.rawValue, split: split, codec: description, tag: tag, source: set)
        let setting = self.setting
        return try cache.roundTripped(set, key: key) { try roundTrip($0, setting).decoded }.images
    }
}
