import ArgumentParser
import Dispatch
import Foundation
import Imaging
import Metrics

/// `sanitize-bench metrics`: median MS-SSIM (and SSIM, PSNR) times beside the pytorch_msssim anchor.
struct BenchMetrics: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Time MS-SSIM, SSIM and PSNR on RGB images and compare MS-SSIM with pytorch_msssim.",
        discussion: """
            Each measurement runs a few warm-up calls, then --runs timed calls on a pair of \
            synthetic square RGB images (a texture and a copy with +-4 sign noise), and prints \
            the median (for MS-SSIM also the minimum, the cost without interference from other \
            processes). The anchor is pytorch_msssim `ms_ssim(data_range=255)` with \
            torch.set_num_threads(2) on float tensors already in memory, measured afterwards by \
            Benchmarks/anchors/msssim_pytorch.py with --python at the same sizes; --anchor \
            SIZE=MS gives a median instead. On a loaded machine the anchor's 2-thread medians \
            mean little (OpenMP barriers wait for descheduled threads): measure it idle.
            """)

    @Option(help: "Timed calls per measurement; the median is reported.")
    var runs = 300

    @Option(name: .customLong("size"), help: "Side of the square test images, in pixels; repeat for several (at least 161).")
    var sizes: [Int] = [224, 512]

    @Option(name: .customLong("anchor"),
            help: "An anchor median as SIZE=MILLISECONDS (e.g. 224=17.4), instead of running the anchor; repeatable.")
    var anchorOverrides: [String] = []

    @OptionGroup var anchorPython: AnchorOptions

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1, got \(runs)") }
        for size in sizes where size < 161 || size > 8192 {
            throw ValidationError("--size must be between 161 and 8192 pixels, got \(size)")
        }
        _ = try overrides()
    }

    func run() throws {
        var rows: [(size: Int, msssim: Double, fastest: Double)] = []
        var others: [String] = []
        for size in sizes {
            let (a, b) = Self.testPair(size: size)
            let (ms, fastest) = timing(runs) { _ = try? ImageQuality.msssim(a, b) }
            rows.append((size, ms, fastest))
            let ssim = timing(runs) { _ = try? ImageQuality.ssim(a, b) }.median
            let psnr = timing(runs) { _ = try? ImageQuality.psnr(a, b) }.median
            others.append(pad("\(size)×\(size)", 11) + pad(milliseconds(ssim), 12) + milliseconds(psnr))
        }
        let anchorTable = try anchorMedians()
        print("MS-SSIM, RGB, 5 scales; median of \(runs) runs, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print(pad("size", 11) + pad("sanitize (min)", 22) + pad("pytorch_msssim (2 threads)", 28) + "speed-up")
        for row in rows {
            let anchor = anchorTable[row.size]
            print(pad("\(row.size)×\(row.size)", 11) + pad("\(milliseconds(row.msssim)) (\(milliseconds(row.fastest)))", 22)
                  + pad(anchor.map(milliseconds) ?? "not measured", 28)
                  + (anchor.map { String(format: "%.1f×", $0 / row.msssim) } ?? "-"))
        }
        print("")
        print(pad("size", 11) + pad("SSIM", 12) + "PSNR (medians)")
        others.forEach { print($0) }
    }

    // MARK: - Helpers

    /// The anchor's medians by size: `--anchor` values when given, else those printed by the
    /// anchor script (lines `224x224 median_ms 17.4 …`); empty when it is skipped or fails.
    private func anchorMedians() throws -> [Int: Double] {
        let given = try overrides()
        guard given.isEmpty else { return given }
        let sizeList = sizes.map(String.init).joined(separator: ",")
        guard let python = anchorPython.interpreter(),
              let text = PythonAnchor.run(python: python, script: "Benchmarks/anchors/msssim_pytorch.py",
                                          arguments: ["--runs", "\(runs)", "--sizes", sizeList]) else { return [:] }
        var table: [Int: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            if let size = line.split(separator: "x").first.flatMap({ Int($0) }),
               let ms = PythonAnchor.number(after: "median_ms ", in: String(line)) {
                table[size] = ms
            }
        }
        return table
    }

    private func overrides() throws -> [Int: Double] {
        var table: [Int: Double] = [:]
        for text in anchorOverrides {
            let parts = text.split(separator: "=")
            guard parts.count == 2, let size = Int(parts[0]), let ms = Double(parts[1]), ms > 0 else {
                throw ValidationError("--anchor expects SIZE=MILLISECONDS such as 224=17.4, got '\(text)'")
            }
            table[size] = ms
        }
        return table
    }

    /// A deterministic texture (gradient plus xorshift noise) and a copy moved by ±4 per sample.
    static func testPair(size: Int) -> (RGBImage, RGBImage) {
        var state: UInt32 = 2463534242
        func next() -> UInt32 {
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return state
        }
        var clean = [UInt8](repeating: 0, count: 3 * size * size)
        var noisy = clean
        for i in 0..<clean.count {
            let pixel = i / 3, x = pixel % size, y = pixel / size
            let value = (x + 2 * y + 50 * (i % 3)) % 200 + Int(next() % 56)
            clean[i] = UInt8(value)
            noisy[i] = UInt8(max(0, min(255, value + (next() & 1 == 0 ? 4 : -4))))
        }
        return (RGBImage(width: size, height: size, pixels: clean), RGBImage(width: size, height: size, pixels: noisy))
    }

    /// Median and minimum wall time of `body` in milliseconds, after `max(3, runs / 10)` warm-up
    /// calls. The minimum shows the cost without interference from other processes.
    private func timing(_ runs: Int, _ body: () -> Void) -> (median: Double, min: Double) {
        for _ in 0..<max(3, runs / 10) { body() }
        var times: [Double] = []
        times.reserveCapacity(runs)
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        times.sort()
        let median = runs % 2 == 1 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2
        return (median, times[0])
    }

    private func milliseconds(_ ms: Double) -> String {
        String(format: ms < 1 ? "%.3f ms" : "%.2f ms", ms)
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
