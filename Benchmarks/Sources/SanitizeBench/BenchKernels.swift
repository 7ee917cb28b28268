import ArgumentParser
import Foundation
import _Kernels
import _LayoutBaseline

/// `sanitize-bench kernels`: SGEMM and EfficientNet-Lite0's convolution layers, median times and
/// GFLOP/s against the machine's peak and against the numpy / PyTorch anchors.
struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Time SGEMM and EfficientNet-Lite0's convolutions against the machine's peak and the anchors.",
        discussion: """
            Prints the median of many runs for SGEMM at 256, 512 and 1024 and for every distinct \
            convolution shape of EfficientNet-Lite0 at 224×224 (forward, and the input gradient FGSM \
            needs), with GFLOP/s as a fraction of the peak (2 cores × 2 FMA pipes × 8 floats × 2 \
            flops × the clock in /proc/cpuinfo or --ghz). When the anchor scripts have written \
            their JSON (Benchmarks/anchors/gemm_numpy.py and conv_torch.py), their medians and our \
            ratios are printed alongside. It also compares depthwise convolution in NHWC (the \
            layout of the API) with a vectorised NCHW version, the measurement behind the layout \
            choice. Make the anchors in the same session first, with the anchors' Python \
            (Benchmarks/README.md): `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
            OPENBLAS_NUM_THREADS=2 "$SANITIZE_BENCH_PYTHON" Benchmarks/anchors/gemm_numpy.py` and \
            `"$SANITIZE_BENCH_PYTHON" Benchmarks/anchors/conv_torch.py`.
            """)

    @Option(help: "Timed runs per measurement; the median is reported.")
    var repeats = 25

    @Option(help: "Folder holding gemm_numpy.json and conv_torch.json written by the anchor scripts.")
    var anchors = "out/anchors"

    @Option(help: "Run only one part: sgemm, conv or layout (all three when omitted).")
    var only: String?

    @Option(help: "The clock in GHz used for the peak GFLOP/s. Default: the first 'cpu MHz' of /proc/cpuinfo.")
    var ghz: Double?

    /// Whether a part runs under `--only`.
    func runs(_ part: String) -> Bool { only == nil || only == part }

    func validate() throws {
        if let only, !["sgemm", "conv", "layout"].contains(only) {
            throw ValidationError("--only must be sgemm, conv or layout, got '\(only)'")
        }
        guard (1...10_000).contains(repeats) else {
            throw ValidationError("--repeats must be between 1 and 10000, got \(repeats)")
        }
        if let ghz, !(ghz > 0) { throw ValidationError("--ghz must be positive, got \(ghz)") }
    }

    func run() throws {
        let peak = try MachinePeak.read(ghz: ghz)
        print(peak.description)
        if let load = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) {
            print("Load average (1, 5, 15 min) at start: "
                  + load.split(separator: " ").prefix(3).joined(separator: ", ")
                  + " on \(peak.cores) cores; other processes on the cores slow the medians most")
        }
        let numpy = AnchorFile.load(path: anchors + "/gemm_numpy.json")
        let torch = AnchorFile.load(path: anchors + "/conv_torch.json")
        for note in [numpy.note, torch.note].compactMap({ $0 }) { print(note) }

        if runs("sgemm") { benchSGEMM(numpy: numpy, peak: peak) }
        if runs("conv") { benchConv(torch: torch, peak: peak) }
        if runs("layout") { benchLayouts() }
    }

    func benchSGEMM(numpy: AnchorFile, peak: MachinePeak) {
        print("\nSGEMM (C = A·B, square, row-major)")
        printHeader(anchorName: "numpy")
        for n in [256, 512, 1024] {
            printRow(name: "sgemm \(n)", flops: 2 * Double(n * n * n), time: timeSGEMM(n: n, threads: 0),
                     anchor: numpy.timing("sgemm", "\(n)"), peak: peak.gflops)
        }
        print("One thread each (the kernel's per-core speed; peak of one core is \(format(peak.gflops / Double(peak.cores))) GFLOP/s):")
        for n in [256, 512, 1024] {
            printRow(name: "sgemm \(n), 1 thread", flops: 2 * Double(n * n * n), time: timeSGEMM(n: n, threads: 1),
                     anchor: numpy.timing("sgemm_1thread", "\(n)"), peak: peak.gflops / Double(peak.cores))
        }
    }

    func benchConv(torch: AnchorFile, peak: MachinePeak) {
        print("\nEfficientNet-Lite0 convolutions, batch 1 (NHWC; PyTorch runs NCHW)")
        printHeader(anchorName: "torch")
        var ourForward = 0.0, torchForward = 0.0, ourBackward = 0.0, torchBackward = 0.0
        var bestForward = 0.0, bestBackward = 0.0, torchBestForward = 0.0, torchBestBackward = 0.0
        var torchComplete = true
        for layer in ConvLayer.efficientNetLite0 {
            let times = timeConv(layer.geometry)
            let anchorForward = torch.timing("forward", layer.name)
            let anchorBackward = torch.timing("input_grad", layer.name)
            printRow(name: layer.name, flops: layer.geometry.flops, time: times.forward, anchor: anchorForward,
                     peak: peak.gflops)
            printRow(name: "  ∂input", flops: layer.geometry.flops, time: times.backward, anchor: anchorBackward,
                     peak: peak.gflops)
            ourForward += Double(layer.count) * times.forward.median
            ourBackward += Double(layer.count) * times.backward.median
            bestForward += Double(layer.count) * times.forward.best
            bestBackward += Double(layer.count) * times.backward.best
            if let anchorForward, let anchorBackward {
                torchForward += Double(layer.count) * anchorForward.median
                torchBackward += Double(layer.count) * anchorBackward.median
                torchBestForward += Double(layer.count) * (anchorForward.best ?? .nan)
                torchBestBackward += Double(layer.count) * (anchorBackward.best ?? .nan)
            } else {
                torchComplete = false
            }
        }
        print("\nAll \(ConvLayer.efficientNetLite0.reduce(0) { $0 + $1.count }) convolutions of one forward pass, "
              + "each shape timed once and weighted by its count:")
        let forwardAnchor = torchComplete ? torchForward : nil
        let backwardAnchor = torchComplete ? torchBackward : nil
        print("  forward   ours \(format(ourForward)) ms" + ratioText(ourForward, forwardAnchor))
        print("  ∂input    ours \(format(ourBackward)) ms" + ratioText(ourBackward, backwardAnchor))
        print("  (sums of medians; sums of the fastest runs:)")
        print("  forward   ours \(format(bestForward)) ms" + ratioText(bestForward, torchComplete ? torchBestForward : nil))
        print("  ∂input    ours \(format(bestBackward)) ms" + ratioText(bestBackward, torchComplete ? torchBestBackward : nil))
    }

    func benchLayouts() {
        print("\nDepthwise layout: NHWC (the API) against a vectorised NCHW kernel, forward")
        print(pad("layer", 26) + pad("NHWC ms", 10) + pad("NCHW ms", 10) + pad("NCHW/NHWC", 11)
              + pad("best NHWC", 11) + pad("best NCHW", 11) + "NCHW/NHWC")
        for layer in ConvLayer.efficientNetLite0 where layer.geometry.isDepthwise {
            let (nhwc, nchw) = timeDepthwiseLayouts(layer.geometry)
            print(pad(layer.name, 26) + pad(format(nhwc.median), 10) + pad(format(nchw.median), 10)
                  + pad(format(nchw.median / nhwc.median) + "×", 11) + pad(format(nhwc.best), 11)
                  + pad(format(nchw.best), 11) + format(nchw.best / nhwc.best) + "×")
        }
    }

    // MARK: - Timing

    /// Median and fastest wall time in milliseconds of `repeats` runs after one warm-up run. The
    /// median is the headline; the minimum shows the kernel's speed when other processes share the cores.
    func measure(_ body: () -> Void) -> Timing {
        body()
        var times = [Double]()
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        times.sort()
        return Timing(median: times[times.count / 2], best: times[0])
    }

    func timeSGEMM(n: Int, threads: Int) -> Timing {
        let a = BenchBuffer(count: n * n, seed: 1), b = BenchBuffer(count: n * n, seed: 2)
        let c = BenchBuffer(count: n * n, seed: 3)
        defer { a.free(); b.free(); c.free() }
        return measure {
            Kernels.sgemm(transposeA: false, transposeB: false, m: n, n: n, k: n, alpha: 1, a: a.pointer, lda: n,
                          b: b.pointer, ldb: n, beta: 0, c: c.pointer, ldc: n, maxThreads: threads)
        }
    }

    func timeConv(_ g: ConvGeometry) -> (forward: Timing, backward: Timing) {
        let input = BenchBuffer(count: g.inputCount, seed: 1), weight = BenchBuffer(count: g.weightCount, seed: 2)
        let bias = BenchBuffer(count: g.outChannels, seed: 3), output = BenchBuffer(count: g.outputCount, seed: 4)
        let gradInput = BenchBuffer(count: g.inputCount, seed: 5)
        defer { input.free(); weight.free(); bias.free(); output.free(); gradInput.free() }
        let forward = measure {
            Kernels.conv2d(g, input: input.pointer, weight: weight.pointer, bias: bias.pointer, output: output.pointer,
                           epilogue: .clamp(lower: 0, upper: 6))
        }
        let backward = measure {
            Kernels.conv2dBackwardInput(g, gradOutput: output.pointer, weight: weight.pointer,
                                        gradInput: gradInput.pointer)
        }
        return (forward, backward)
    }

    func timeDepthwiseLayouts(_ g: ConvGeometry) -> (nhwc: Timing, nchw: Timing) {
        let input = BenchBuffer(count: g.inputCount, seed: 1), weight = BenchBuffer(count: g.weightCount, seed: 2)
        let bias = BenchBuffer(count: g.outChannels, seed: 3), output = BenchBuffer(count: g.outputCount, seed: 4)
        defer { input.free(); weight.free(); bias.free(); output.free() }
        let nhwc = measure {
            Kernels.conv2d(g, input: input.pointer, weight: weight.pointer, bias: bias.pointer, output: output.pointer,
                           epilogue: .clamp(lower: 0, upper: 6))
        }
        let nchw = measure {
            LayoutBaseline.depthwiseConv2dNCHW(g, input: input.pointer, weight: weight.pointer, bias: bias.pointer,
                                        output: output.pointer, epilogue: .clamp(lower: 0, upper: 6))
        }
        return (nhwc, nchw)
    }

    // MARK: - Output

    func printHeader(anchorName: String) {
        print("(median of \(repeats) runs; GFLOP/s and % of peak from the median; 'best' columns: fastest run;"
              + " speed = \(anchorName) time / our time, > 1 means we are faster)")
        print(pad("measure", 26) + pad("ms", 9) + pad("GFLOP/s", 9) + pad("% peak", 8) + pad("\(anchorName) ms", 10)
              + pad("speed", 8) + pad("best ms", 9) + pad("best GF/s", 10) + pad("\(anchorName) best", 11) + "speed")
    }

    func printRow(name: String, flops: Double, time: Timing, anchor: AnchorTiming?, peak: Double) {
        let gflops = flops / time.median / 1e6
        var line = pad(name, 26) + pad(format(time.median), 9) + pad(format(gflops), 9)
            + pad(format(100 * gflops / peak), 8)
        line += pad(anchor.map { format($0.median) } ?? "—", 10)
            + pad(anchor.map { format($0.median / time.median) + "×" } ?? "—", 8)
        line += pad(format(time.best), 9) + pad(format(flops / time.best / 1e6), 10)
            + pad(anchor?.best.map { format($0) } ?? "—", 11) + (anchor?.best.map { format($0 / time.best) + "×" } ?? "—")
        print(line)
    }

    func ratioText(_ ours: Double, _ anchor: Double?) -> String {
        guard let anchor else { return "" }
        return ",  torch \(format(anchor)) ms,  speed vs torch \(format(anchor / ours))×"
    }

    func format(_ x: Double) -> String {
        x >= 100 ? String(format: "%.0f", x) : x >= 10 ? String(format: "%.1f", x) : String(format: "%.3g", x)
    }

    func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}

// MARK: - Supporting types

/// One measurement: median and fastest of the timed runs, in milliseconds.
struct Timing {
    let median: Double
    let best: Double
}

/// An anchor's measurement; older anchor files may lack the fastest run.
struct AnchorTiming {
    let median: Double
    let best: Double?
}

/// A Float buffer with deterministic values in [-1, 1), for timing only.
struct BenchBuffer {
    let pointer: UnsafeMutablePointer<Float>

    init(count: Int, seed: UInt32) {
        pointer = .allocate(capacity: max(count, 1))
        var state = seed &* 747_796_405 &+ 2_891_336_453
        for i in 0..<count {
            state = state &* 1_664_525 &+ 1_013_904_223
            pointer[i] = Float(state >> 8) / Float(1 << 23) - 1
        }
    }

    func free() { pointer.deallocate() }
}

/// The machine's single-precision peak: cores × 2 FMA pipes × 8 lanes × 2 flops × clock.
struct MachinePeak {
    let cores: Int
    let gigahertz: Double
    let clockSource: String

    var gflops: Double { Double(cores) * 2 * 8 * 2 * gigahertz }

    var description: String {
        "Peak assumed: \(cores) cores × 2 FMA pipes × 8 floats × 2 flops × \(String(format: "%.3f", gigahertz)) GHz "
            + "(\(clockSource)) = \(String(format: "%.1f", gflops)) GFLOP/s"
    }

    /// The peak at `ghz` when given, else at the first `cpu MHz` line of /proc/cpuinfo.
    /// - Throws: `ValidationError` asking for `--ghz` when neither gives a clock.
    static func read(ghz: Double?) throws -> MachinePeak {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        if let ghz { return MachinePeak(cores: cores, gigahertz: ghz, clockSource: "--ghz") }
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu MHz") }),
           let value = line.split(separator: ":").last.flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }),
           value > 0 {
            return MachinePeak(cores: cores, gigahertz: value / 1000, clockSource: "cpu MHz in /proc/cpuinfo")
        }
        throw ValidationError("cannot read the clock from /proc/cpuinfo; pass --ghz with the cores' clock in GHz")
    }
}

/// Times written by an anchor script: `{ section: { name: median_ms }, section_best: { name: best_ms } }`.
struct AnchorFile {
    let sections: [String: [String: Double]]
    let note: String?

    func timing(_ section: String, _ name: String) -> AnchorTiming? {
        sections[section]?[name].map { AnchorTiming(median: $0, best: sections[section + "_best"]?[name]) }
    }

    /// Reads the JSON; a missing or malformed file gives no anchors and a note saying how to make it.
    static func load(path: String) -> AnchorFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            return AnchorFile(sections: [:], note: "note: no anchor file \(path); run the scripts in Benchmarks/anchors/ first (Benchmarks/README.md)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return AnchorFile(sections: [:], note: "note: \(path) is not a JSON object; anchors skipped")
        }
        var sections = [String: [String: Double]]()
        for (key, value) in object {
            if let table = value as? [String: Any] {
                sections[key] = table.compactMapValues { ($0 as? NSNumber)?.doubleValue }
            }
        }
        return AnchorFile(sections: sections, note: nil)
    }
}

/// One distinct convolution of EfficientNet-Lite0 at 224×224 and how often it occurs.
struct ConvLayer {
    let name: String
    let geometry: ConvGeometry
    let count: Int

    static func conv(_ name: String, size: Int, cin: Int, cout: Int, kernel: Int, stride: Int, depthwise: Bool,
                     count: Int) -> ConvLayer {
        let p = ConvGeometry.samePadding(size: size, kernel: kernel, stride: stride)
        let g = ConvGeometry(batch: 1, height: size, width: size, inChannels: cin, outChannels: cout,
                             kernelHeight: kernel, kernelWidth: kernel, strideY: stride, strideX: stride,
                             padTop: p.before, padLeft: p.before, padBottom: p.after, padRight: p.after,
                             groups: depthwise ? cin : 1)
        return ConvLayer(name: name, geometry: g, count: count)
    }

    static func pointwise(_ size: Int, _ cin: Int, _ cout: Int, count: Int = 1) -> ConvLayer {
        conv("1×1 \(cin)→\(cout) @\(size)", size: size, cin: cin, cout: cout, kernel: 1, stride: 1, depthwise: false,
             count: count)
    }

    static func depthwise(_ size: Int, _ channels: Int, kernel: Int, stride: Int, count: Int = 1) -> ConvLayer {
        conv("dw\(kernel) s\(stride) \(channels) @\(size)", size: size, cin: channels, cout: channels, kernel: kernel,
             stride: stride, depthwise: true, count: count)
    }

    /// Every convolution of the network (docs/protocol.md §2), stem to head, with repeats merged; the names
    /// match Benchmarks/anchors/conv_torch.py.
    static let efficientNetLite0: [ConvLayer] = [
        conv("stem 3×3 s2 3→32 @224", size: 224, cin: 3, cout: 32, kernel: 3, stride: 2, depthwise: false, count: 1),
        depthwise(112, 32, kernel: 3, stride: 1),
        pointwise(112, 32, 16),
        pointwise(112, 16, 96),
        depthwise(112, 96, kernel: 3, stride: 2),
        pointwise(56, 96, 24),
        pointwise(56, 24, 144, count: 2),
        depthwise(56, 144, kernel: 3, stride: 1),
        pointwise(56, 144, 24),
        depthwise(56, 144, kernel: 5, stride: 2),
        pointwise(28, 144, 40),
        pointwise(28, 40, 240, count: 2),
        depthwise(28, 240, kernel: 5, stride: 1),
        pointwise(28, 240, 40),
        depthwise(28, 240, kernel: 3, stride: 2),
        pointwise(14, 240, 80),
        pointwise(14, 80, 480, count: 3),
        depthwise(14, 480, kernel: 3, stride: 1, count: 2),
        pointwise(14, 480, 80, count: 2),
        depthwise(14, 480, kernel: 5, stride: 1),
        pointwise(14, 480, 112),
        pointwise(14, 112, 672, count: 3),
        depthwise(14, 672, kernel: 5, stride: 1, count: 2),
        pointwise(14, 672, 112, count: 2),
        depthwise(14, 672, kernel: 5, stride: 2),
        pointwise(7, 672, 192),
        pointwise(7, 192, 1152, count: 4),
        depthwise(7, 1152, kernel: 5, stride: 1, count: 3),
        pointwise(7, 1152, 192, count: 3),
        depthwise(7, 1152, kernel: 3, stride: 1),
        pointwise(7, 1152, 320),
        pointwise(7, 320, 1280),
    ]
}
