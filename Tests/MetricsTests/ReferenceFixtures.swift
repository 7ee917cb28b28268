import Foundation
import Imaging

/// One row of Fixtures/reference/msssim/values.csv, written by Scripts/reference/msssim_reference.py
/// from pytorch_msssim 1.0 (float32 and float64) and numpy.
struct ReferencePair {
    let reference: String
    let distorted: String
    let width: Int
    let height: Int
    /// pytorch_msssim `ms_ssim(data_range=255)` on float32 tensors: the protocol's reference.
    let msssim: Double
    /// pytorch_msssim `ssim(data_range=255)` on float32 tensors.
    let ssim: Double
    /// The same two on float64 tensors, to show the reference's own rounding.
    let msssim64: Double
    let ssim64: Double
    /// numpy float64 PSNR in dB (`inf` for identical images).
    let psnr: Double

    /// The committed fixture folder, found from this source file so no resources are needed.
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/reference/msssim")

    /// Every row of values.csv; fails loudly if the file is missing or malformed.
    static func all() throws -> [ReferencePair] {
        let text = try String(contentsOf: folder.appendingPathComponent("values.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        let header = "reference,distorted,width,height,msssim,ssim,msssim_f64,ssim_f64,psnr"
        guard lines.first == header else { throw FixtureError("values.csv header is \(lines.first ?? "missing")") }
        return try lines.dropFirst().map { line in
            let f = line.split(separator: ",").map(String.init)
            guard f.count == 9, let w = Int(f[2]), let h = Int(f[3]),
                  let m = Double(f[4]), let s = Double(f[5]), let m64 = Double(f[6]), let s64 = Double(f[7]),
                  let p = Double(f[8]) else { throw FixtureError("bad values.csv row: \(line)") }
            return ReferencePair(reference: f[0], distorted: f[1], width: w, height: h, msssim: m, ssim: s,
                                 msssim64: m64, ssim64: s64, psnr: p)
        }
    }

    /// Decodes one committed PNG with the package's own decoder.
    static func image(_ name: String) throws -> RGBImage {
        try ImageFile.read(folder.appendingPathComponent(name).path)
    }
}

struct FixtureError: Swift.Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
