import _Support

/// The codecs of docs/protocol.md §4, by the names used on the command line and in the results CSV.
///
/// - `none`: no codec; the image is passed through, and its size is counted as raw 24-bit RGB.
/// - `jpeg`: libjpeg-turbo baseline, 4:2:0, islow DCT, quality 1–100.
/// - `webp`: libwebp lossy, default method, quality 0–100.
/// - `jpeg2000`: OpenJPEG J2K codestream, irreversible 9/7, one layer; the parameter is the
///   compression ratio R (R:1, R > 1).
/// - `png`: lossless, used for I/O; it takes no parameter.
public enum Codec: String, CaseIterable, Sendable, Hashable {
    case none, jpeg, webp, jpeg2000, png
}

/// A failure inside a codec library, reported with the library's own message.
///
/// `description` reads like `jpeg decode: Premature end of JPEG file`. Callers that know the file
/// wrap it in an ``ImageFileError`` that names the file.
public struct CodecError: Swift.Error, CustomStringConvertible, Sendable, Equatable {
    /// The codec whose library failed.
    public var codec: Codec
    /// What was being done: `"decode"`, `"encode"`, `"read header"`, ...
    public var operation: String
    /// The library's message, or ours when we refused the input before calling it.
    public var message: String

    /// Creates an error; `message` should say what was wrong with the input, not just "failed".
    public init(codec: Codec, operation: String, message: String) {
        self.codec = codec
        self.operation = operation
        self.message = message
    }

    /// `"<codec> <operation>: <message>"`.
    public var description: String { "\(codec.rawValue) \(operation): \(message)" }
}

/// A file that could not be read, decoded or written: `<path>: <reason>`. The package has one
/// file error type, ``FileError`` of `_Support`; this name keeps the imaging call sites readable.
public typealias ImageFileError = FileError
