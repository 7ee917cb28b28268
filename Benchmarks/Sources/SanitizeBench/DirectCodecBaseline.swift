import _CodecBaselines
import _CodecShims
import Imaging

/// The codecs called from plain C, for measuring what the Swift API costs on top of the
/// libraries (`sanitize-bench codecs`).
///
/// Each round trip runs entirely in C (`baseline_*` in `_CodecBaselines`) with the settings of
/// `roundTrip(_:_:)`: libjpeg-turbo via `jpeg_mem_dest`/`jpeg_mem_src`, libwebp via
/// `WebPEncodeRGB`/`WebPDecodeRGBInto`, and OpenJPEG via the shim's C memory streams. The
/// decoded pixels and the encoded size are returned so callers can check that both paths agree.
enum DirectCodecBaseline {
    /// Encodes and decodes `image` in C. Supports `jpeg`, `webp` and `jpeg2000`.
    /// - Returns: the decoded image and the encoded size in bytes.
    /// - Throws: `CodecError` when the library fails or the codec has no C baseline.
    static func roundTrip(_ image: RGBImage, _ setting: CodecSetting) throws -> (decoded: RGBImage, bytes: Int) {
        var bytes = 0
        var status: Int32 = SHIM_FAILED
        let w = UInt32(image.width), h = UInt32(image.height)
        let pixels = [UInt8](unsafeUninitializedCapacity: image.pixels.count) { decoded, initialized in
            image.pixels.withUnsafeBufferPointer { rgb in
                switch setting.codec {
                case .jpeg:
                    status = baseline_jpeg_round_trip(rgb.baseAddress, w, h, Int32(setting.quality), decoded.baseAddress, &bytes)
                case .webp:
                    status = baseline_webp_round_trip(rgb.baseAddress, w, h, Int32(setting.quality), decoded.baseAddress, &bytes)
                case .jpeg2000:
                    status = baseline_j2k_round_trip(rgb.baseAddress, w, h, Float(setting.quality), decoded.baseAddress, &bytes)
                case .png, .none:
                    status = SHIM_FAILED
                }
            }
            initialized = status == SHIM_OK ? decoded.count : 0
        }
        guard status == SHIM_OK else {
            throw CodecError(codec: setting.codec, operation: "direct C round trip",
                             message: setting.codec.takesParameter ? "the library failed" : "no C baseline for \(setting.codec.rawValue)")
        }
        return (RGBImage(width: image.width, height: image.height, pixels: pixels), bytes)
    }
}
