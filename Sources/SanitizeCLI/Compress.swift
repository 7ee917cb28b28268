import _Support
import ArgumentParser
import Attacks
import Foundation
import Imaging
import Metrics

extension Codec: ExpressibleByArgument {}

/// `sanitize compress`: one image through one codec, with its size and quality.
struct Compress: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compress",
        abstract: "Round-trip one image through a codec and report its size and quality.",
        discussion: """
            The image (PNG, JPEG, WebP or JPEG 2000, recognised by its bytes) is converted to \
            8-bit RGB, encoded with the settings of docs/protocol.md §4 and decoded again. The report \
            gives the codec, its parameter, the encoded size in bytes and bits per pixel, and \
            the PSNR and MS-SSIM of the decoded image against the input.

            The settings reproduce the reference tools exactly: jpeg is `cjpeg -baseline \
            -quality Q` (4:2:0, islow DCT), webp is `cwebp -q Q` (lossy), jpeg2000 is \
            `opj_compress -r Q -I` (J2K codestream, 9/7 wavelet, one layer), png is lossless, \
            and none stores raw RGB (24 bpp). The image is used at its own size unless \
            --model-view is given. MS-SSIM needs both sides above 160 pixels; smaller images \
            report it as n/a.

            With --differentiable (jpeg only), the output is the differentiable JPEG's forward \
            pass (straight-through rounding, docs/protocol.md "Differentiable JPEG") instead of \
            libjpeg's decoding, rounded to 8 bits. No file is encoded, so bytes and bpp are not \
            reported; the report adds the PSNR of the model's output against libjpeg's real \
            round trip (row libjpeg).

            Examples:
              sanitize compress photo.png --codec jpeg --quality 50
              sanitize compress photo.png --codec webp --quality 75 --output decoded.png
              sanitize compress photo.png --codec jpeg2000 --quality 20 --encoded photo.j2k
              sanitize compress photo.png --codec jpeg --quality 50 --differentiable
            """)

    @Argument(help: "The image to compress: PNG, JPEG, WebP, J2K or JP2, of any size.")
    var image: String

    @Option(help: "The codec, with docs/protocol.md §4's settings.")
    var codec: Codec

    @Option(help: """
        JPEG quality 1–100, WebP quality 0–100, or JPEG 2000 compression ratio R > 1 (20 \
        means 20:1). Required for jpeg, webp and jpeg2000; png and none take none.
        """)
    var quality: Int?

    @Option(help: "Write the decoded image here, as PNG. Written atomically: never a partial file.")
    var output: String?

    @Option(help: """
        Write the encoded file here: a JPEG, WebP, J2K codestream or PNG (for none, the raw \
        RGB samples). Written atomically.
        """)
    var encoded: String?

    @Flag(help: "Apply the model view first (shorter side to 256, center 224×224 crop), as the classifier sees it.")
    var modelView = false

    @Flag(help: """
        Output the differentiable JPEG's forward pass instead of the real codec's decoding, and \
        report its PSNR against the real one. jpeg only; --encoded does not apply.
        """)
    var differentiable = false

    func validate() throws {
        if differentiable && codec != .jpeg {
            throw ValidationError("--differentiable models JPEG only; it cannot be used with --codec \(codec.rawValue)")
        }
        if differentiable && encoded != nil {
            throw ValidationError("--encoded cannot be used with --differentiable: the differentiable JPEG writes no JPEG file, only its decoded image (--output)")
        }
        if codec.takesParameter && quality == nil {
            throw ValidationError("--quality is required for \(codec.rawValue), e.g. --quality \(codec.exampleParameter)")
        }
        if let problem = CodecSetting.problem(codec: codec, quality: quality ?? 0) {
            throw ValidationError("invalid --quality \(quality ?? 0) for --codec \(codec.rawValue): \(problem)")
        }
    }

    func run() throws {
        let outputs = [("--output", output), ("--encoded", encoded)].compactMap { name, path in path.map { OutputFiles.Role(name, $0) } }
        for o in outputs { try OutputFiles.checkWritable(o.path, option: o.name) }
        try OutputFiles.checkDistinct(outputs: outputs, inputs: [.init("image", image)])
        var input = try ImageFile.read(image)
        if modelView { input = ModelView.apply(input) }
        let setting = try CodecSetting(codec: codec, quality: quality ?? 0)
        let trip: RoundTrip
        do {
            trip = try roundTrip(input, setting)
        } catch let error as CodecError {
            throw ImageFileError(path: image, reason: error.description)
        }
        let decoded = differentiable ? Self.differentiableJPEG(input, quality: setting.quality) : trip.decoded
        try writeOutputs(encoded: differentiable ? nil : trip.encoded, decoded: decoded)
        let (psnr, msssim) = Self.quality(input, decoded)
        var rows: [(String, String)] = [
            ("image", "\(PlatformPath.display(image)) (\(input.width)×\(input.height))"),
            ("codec", codec.rawValue),
            ("quality", "\(setting.quality)"),
        ]
        if differentiable {
            rows.append(("model", "differentiable JPEG, \(DifferentiableJPEG.Rounding.straightThrough.rawValue) rounding"))
        } else {
            rows += [("bytes", "\(trip.bytes)"), ("bpp", String(format: "%.4f", trip.bpp))]
        }
        rows += [("psnr", psnr), ("msssim", msssim)]
        if differentiable { rows.append(("libjpeg", Self.quality(trip.decoded, decoded).psnr)) }
        if let encoded { rows.append(("encoded", PlatformPath.display(encoded))) }
        if let output { rows.append(("output", PlatformPath.display(output))) }
        for (name, value) in rows {
            print(name.padding(toLength: 9, withPad: " ", startingAt: 0) + value)
        }
    }

    /// The differentiable JPEG's forward pass on `image`, rounded to 8-bit samples.
    static func differentiableJPEG(_ image: RGBImage, quality: Int) -> RGBImage {
        let output = DifferentiableJPEG(quality: quality).forward(image.pixels.map(Float.init), width: image.width, height: image.height)
        return RGBImage(width: image.width, height: image.height, pixels: output.map { UInt8(min(max($0.rounded(), 0), 255)) })
    }

    /// Writes the requested files, the PNG encoded first; if the second write fails, the first
    /// is removed again so that a failed run leaves no outputs behind.
    private func writeOutputs(encoded bytes: [UInt8]?, decoded: RGBImage) throws {
        let png = try output.map { _ in try ImageFile.encodePNG(decoded) }
        if let encoded, let bytes { try AtomicFile.write(bytes, to: encoded) }
        if let output, let png {
            do {
                try AtomicFile.write(png, to: output)
            } catch {
                if let encoded { _ = PlatformPath.withCString(encoded) { unlink($0) } }
                throw error
            }
        }
    }

    /// PSNR (dB) and MS-SSIM of `decoded` against `reference`, formatted. PSNR is `inf` for a
    /// lossless round trip; MS-SSIM is `n/a (reason)` when the image is too small to measure.
    static func quality(_ reference: RGBImage, _ decoded: RGBImage) -> (psnr: String, msssim: String) {
        let psnr: String
        do {
            let value = try ImageQuality.psnr(reference, decoded)
            psnr = value.isFinite ? String(format: "%.4f dB", value) : "inf"
        } catch {
            psnr = "n/a (\(error))"
        }
        let msssim: String
        do {
            msssim = String(format: "%.6f", try ImageQuality.msssim(reference, decoded))
        } catch {
            msssim = "n/a (\(error))"
        }
        return (psnr, msssim)
    }
}
