import Foundation
/// A codec with its parameter, written `codec:quality` on the command line and in the CSV.
///
/// `quality` means: JPEG quality 1–100; WebP quality 0–100; JPEG 2000 compression ratio R > 1
/// (`jpeg2000:20` is 20:1); and 0 for `png` and `none`, which take no parameter.
public struct CodecSetting: Hashable, Sendable, CustomStringConvertible {
    /// The codec.
    public var codec: Codec
    /// The codec's parameter (see the type's documentation for ranges).
    public var quality: Int

    /// Creates a setting after checking the range of `quality` for `codec`.
    /// Throws ``CodecSettingError`` naming the bad value and the valid range.
    public init(codec: Codec, quality: Int) throws {
        self.codec = codec
        self.quality = quality
        if let problem = Self.problem(codec: codec, quality: quality) {
            throw CodecSettingError(text: "\(codec.rawValue):\(quality)", reason: problem)
        }
    }

    /// Parses `"jpeg:50"`, `"webp:0"`, `"jpeg2000:20"`, `"png"` or `"none"` (a bare codec name
    /// is accepted only for the codecs without a parameter; `"png:0"` and `"none:0"` also work).
    /// Throws ``CodecSettingError`` naming `text` and saying what is wrong.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let codec = Codec(rawValue: parts[0].lowercased()) else {
            throw CodecSettingError(text: text, reason: "unknown codec '\(parts[0])' (expected one of "
                                        + Codec.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        let quality: Int
        if parts.count == 1 {
            guard !codec.takesParameter else {
                throw CodecSettingError(text: text, reason: "\(codec.rawValue) needs a parameter, e.g. \(codec.rawValue):\(codec.exampleParameter)")
            }
            quality = 0
        } else {
            guard let value = Int(parts[1]) else {
                throw CodecSettingError(text: text, reason: "'\(parts[1])' is not an integer")
            }
            quality = value
        }
        do {
            try self.init(codec: codec, quality: quality)
        } catch let error as CodecSettingError {
            throw CodecSettingError(text: text, reason: error.reason)
        }
    }

    /// Parses one `--codec` value: a codec and comma-separated parameters, e.g. `jpeg:10,50,90`,
    /// `jpeg2000:100,20`, or a codec that takes none (`none`, `png`).
    public static func parseList(_ text: String) throws -> [CodecSetting] {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return [try CodecSetting(parsing: text)] }
        let values = parts[1].split(separator: ",", omittingEmptySubsequences: false)
        return try values.map { value in
            try CodecSetting(parsing: "\(parts[0]):\(value.trimmingCharacters(in: .whitespaces))")
        }
    }

    /// `none`: the image itself, the sweep's baseline.
    public static let none = try! CodecSetting(codec: .none, quality: 0)

    /// `codec:quality`, or just the codec for `png` and `none`.
    public var description: String { codec.takesParameter ? "\(codec.rawValue):\(quality)" : codec.rawValue }

    /// Why `quality` is invalid for `codec`, or nil when it is valid.
    public static func problem(codec: Codec, quality: Int) -> String? {
        switch codec {
        case .jpeg where !(1 ... 100).contains(quality):
            return "JPEG quality \(quality) is outside 1–100"
        case .webp where !(0 ... 100).contains(quality):
            return "WebP quality \(quality) is outside 0–100"
        case .jpeg2000 where quality <= 1:
            return "JPEG 2000 compression ratio \(quality) must be greater than 1 (20 means 20:1)"
        case .png where quality != 0, .none where quality != 0:
            return "\(codec.rawValue) takes no parameter (quality must be 0, got \(quality))"
        default:
            return nil
        }
    }
}

extension Codec {
    /// Whether the codec has a quality or ratio parameter (`jpeg`, `webp`, `jpeg2000`).
    public var takesParameter: Bool { self == .jpeg || self == .webp || self == .jpeg2000 }

    /// A typical parameter, for help and error messages (0 when there is none).
    public var exampleParameter: Int {
        switch self {
        case .jpeg, .webp: return 75
        case .jpeg2000: return 20
        case .png, .none: return 0
        }
    }
}

/// A codec setting that could not be parsed or is out of range.
///
/// `description` is `invalid codec setting '<text>': <reason>`.
public struct CodecSettingError: Swift.Error, CustomStringConvertible, Sendable, Equatable {
    /// The setting as written, e.g. `jpeg:0`.
    public var text: String
    /// What is wrong, naming the value and the valid range.
    public var reason: String

    /// Creates an error for `text`.
    public init(text: String, reason: String) {
        self.text = text
        self.reason = reason
    }

    /// `invalid codec setting '<text>': <reason>`.
    public var description: String { "invalid codec setting '\(text)': \(reason)" }
}
