import Dispatch
import Foundation
import Imaging
import _Support

/// An on-disk cache of whole datasets round-tripped through a lossy codec.
///
/// Training under a codec needs every training image encoded and decoded once per (codec,
/// quality); doing that on every epoch or every run would dominate the sweep. The first request
/// computes the round trips on all cores and stores the result; later requests read it back.
///
/// **Key.** A cache file is named by the dataset, the split, the codec setting, a tag (for
/// example `clean` or `adversarial`), the 64-bit fingerprint of the source pixels and labels, and
/// the format version. The fingerprint makes a poisoned set (same name and size, different
/// pixels) a different key even if the tag is reused.
///
/// **File layout** (little-endian): the 8 bytes `SNCACHE\0`; eight `UInt64` fields (format
/// version, count, height, width, channels, class count, source fingerprint, codec-setting
/// length); the codec setting in UTF-8; the NHWC pixels; the labels; a CRC-32 of everything
/// before it. A file that fails any check is treated as a miss and rewritten.
///
/// **Crash safety.** Files are written to a temporary name, flushed and renamed, so an
/// interrupted write leaves either no cache file or a complete one.
public struct CodecCache: Sendable {
    /// Bumped whenever the layout or the round-trip convention (such as the gray conversion)
    /// changes, so stale files are never read.
    public static let formatVersion: UInt64 = 1
    /// The 8-byte file signature.
    static let magic: [UInt8] = Array("SNCACHE".utf8) + [0]

    /// The directory holding the cache files; created on first write.
    public let directory: String

    /// A cache rooted at `directory`.
    public init(directory: String) { self.directory = directory }

    /// The default location: `$SANITIZE_CACHE`, else `$XDG_CACHE_HOME/sanitize/codec`, else
    /// `~/.cache/sanitize/codec`.
    public static var defaultDirectory: String {
        let env = ProcessInfo.processInfo.environment
        if let explicit = env["SANITIZE_CACHE"], !explicit.isEmpty { return explicit }
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/sanitize/codec" }
        return NSHomeDirectory() + "/.cache/sanitize/codec"
    }

    // MARK: - Keys

    /// Identifies one cached, round-tripped set.
    public struct Key: Hashable, Sendable {
        /// Dataset name, such as `fashion-mnist`.
        public var dataset: String
        /// Training or test split.
        public var split: Split
        /// The codec setting as written on the command line, such as `jpeg:50`.
        public var codec: String
        /// A readable name for the source, such as `clean` or `unlearnable`.
        public var tag: String
        /// The source set's `LabeledImages.fingerprint`.
        public var fingerprint: UInt64

        /// A key for round-tripping `source`.
        public init(dataset: String, split: Split, codec: String, tag: String, source: LabeledImages) {
            self.dataset = dataset
            self.split = split
            self.codec = codec
            self.tag = tag
            self.fingerprint = source.fingerprint
        }

        /// The cache file name: only letters, digits, `-`, `_` and `.`.
        public var fileName: String {
            func clean(_ s: String) -> String {
                String(s.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" })
            }
            let hex = String(fingerprint, radix: 16)
            return "\(clean(dataset))-\(split.rawValue)-\(clean(codec))-\(clean(tag))-\(hex)-v\(CodecCache.formatVersion).bin"
        }
    }

    /// The path of a key's file.
    public func path(for key: Key) -> String { directory + "/" + key.fileName }

    // MARK: - Lookup and fill

    /// The round-tripped copy of `source`, read from the cache or computed and stored.
    ///
    /// - Parameters:
    ///   - source: the images to round-trip (any count, gray or RGB).
    ///   - key: the cache key; build it from `source`.
    ///   - workers: parallel workers, default: all active cores.
    ///   - transform: the codec round trip of one RGB image. Gray images are given to it with
    ///     R = G = B and converted back with BT.601 luma (see `LabeledImages.storeRGB`).
    /// - Returns: the round-tripped set and whether it came from the cache.
    /// - Throws: `DatasetError.codecFailed` naming the image when a round trip throws,
    ///   `FileError` when the cache cannot be written.
    public func roundTripped(_ source: LabeledImages, key: Key,
                             workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                             transform: @Sendable (RGBImage) throws -> RGBImage) throws -> (images: LabeledImages, hit: Bool) {
        precondition(key.fingerprint == source.fingerprint, "cache key was built for a different source set")
        if let cached = load(key) { return (cached, true) }
        let result = try Self.apply(source, codec: key.codec, workers: workers, transform: transform)
        try Files.makeFolder(directory)
        try AtomicFile.write(encode(result, key: key), to: path(for: key))
        return (result, false)
    }

    /// Round-trips every image of `source` through `transform` on `workers` threads, uncached.
    public static func apply(_ source: LabeledImages, codec: String, workers: Int,
                             transform: @Sendable (RGBImage) throws -> RGBImage) throws -> LabeledImages {
        var output = [UInt8](repeating: 0, count: source.pixels.count)
        let size = source.imageSize
        let failure = FirstFailure()
        let chunks = max(1, min(workers, source.count))
        output.withUnsafeMutableBufferPointer { buffer in
            let base = UncheckedBuffer(buffer)
            Parallel.forEach(chunks) { chunk in
                var i = chunk
                while i < source.count, !failure.isSet {
                    do {
                        let decoded = try transform(source.rgbImage(i))
                        guard decoded.width == source.width, decoded.height == source.height else {
                            throw DatasetError.codecFailed(
                                setting: codec, index: i,
                                reason: "decoded size \(decoded.width)×\(decoded.height), expected \(source.width)×\(source.height)")
                        }
                        source.storeRGB(decoded, into: UnsafeMutableBufferPointer(rebasing: base.buffer[i * size ..< (i + 1) * size]))
                    } catch let error as DatasetError {
                        failure.set(error)
                    } catch {
                        failure.set(DatasetError.codecFailed(setting: codec, index: i, reason: "\(error)"))
                    }
                    i += chunks
                }
            }
        }
        if let error = failure.error { throw error }
        return LabeledImages(count: source.count, height: source.height, width: source.width, channels: source.channels,
                             classCount: source.classCount, pixels: output, labels: source.labels)
    }

    /// The cached set for `key`, or nil when there is no file or it fails any check.
    public func load(_ key: Key) -> LabeledImages? {
        guard let bytes = try? Files.read(path(for: key), limit: Int.max) else { return nil }
        return decode(bytes, key: key)
    }

    // MARK: - Encoding

    func encode(_ set: LabeledImages, key: Key) -> [UInt8] {
        var bytes = Self.magic
        let codec = Array(key.codec.utf8)
        for field in [Self.formatVersion, UInt64(set.count), UInt64(set.height), UInt64(set.width),
                      UInt64(set.channels), UInt64(set.classCount), key.fingerprint, UInt64(codec.count)] {
            withUnsafeBytes(of: field.littleEndian) { bytes += $0 }
        }
        bytes += codec
        bytes += set.pixels
        bytes += set.labels
        withUnsafeBytes(of: Gzip.crc32(bytes).littleEndian) { bytes += $0 }
        return bytes
    }

    func decode(_ bytes: [UInt8], key: Key) -> LabeledImages? {
        let headerSize = 8 + 8 * 8
        guard bytes.count >= headerSize + 4, Array(bytes[0 ..< 8]) == Self.magic else { return nil }
        func field(_ i: Int) -> UInt64 {
            var v: UInt64 = 0
            for b in 0 ..< 8 { v |= UInt64(bytes[8 + 8 * i + b]) << (8 * b) }
            return v
        }
        guard field(0) == Self.formatVersion, field(6) == key.fingerprint,
              field(1) < 1 << 32, field(2) < 1 << 16, field(3) < 1 << 16, field(4) == 1 || field(4) == 3,
              field(5) >= 1, field(5) <= 256, field(7) < 1 << 16 else { return nil }
        let count = Int(field(1)), height = Int(field(2)), width = Int(field(3)), channels = Int(field(4))
        let codecLength = Int(field(7))
        let pixelCount = count * height * width * channels
        guard bytes.count == headerSize + codecLength + pixelCount + count + 4 else { return nil }
        let body = Array(bytes[0 ..< bytes.count - 4])
        let stored = bytes[(bytes.count - 4)...].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
        guard Gzip.crc32(body) == stored,
              String(decoding: bytes[headerSize ..< headerSize + codecLength], as: UTF8.self) == key.codec else { return nil }
        let pixelStart = headerSize + codecLength
        let labels = Array(bytes[pixelStart + pixelCount ..< pixelStart + pixelCount + count])
        guard labels.allSatisfy({ Int($0) < Int(field(5)) }) else { return nil }
        return LabeledImages(count: count, height: height, width: width, channels: channels, classCount: Int(field(5)),
                             pixels: Array(bytes[pixelStart ..< pixelStart + pixelCount]), labels: labels)
    }
}

// MARK: - Thread helpers

/// A mutable buffer shared by worker threads that write disjoint ranges.
struct UncheckedBuffer: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<UInt8>
    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) { self.buffer = buffer }
}

/// The first error raised by any worker; later ones are dropped.
final class FirstFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: DatasetError?

    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return stored != nil }
    var error: DatasetError? { lock.lock(); defer { lock.unlock() }; return stored }
    func set(_ error: DatasetError) {
        lock.lock()
        if stored == nil { stored = error }
        lock.unlock()
    }
}
