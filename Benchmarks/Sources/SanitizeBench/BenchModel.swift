import ArgumentParser
import Foundation
import Imaging
@_spi(Benchmarks) import Models

/// `sanitize-bench model`: EfficientNet-Lite0 speed against PyTorch on this machine.
struct BenchModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Time EfficientNet-Lite0 forward and input-gradient passes against PyTorch.",
        discussion: """
            Three measures, each the median of --runs timed runs after two warm-up runs, in \
            milliseconds per image: the forward pass at batch 1, the forward pass at batch 8, \
            and the forward pass plus the input gradient of the cross-entropy at batch 1. Each \
            is also given in GFLOP/s (forward FLOPs from the architecture; the backward pass is \
            counted as a second forward) and as a share of the machine's peak, cores × 2 FMA \
            units × 8 lanes × 2 FLOP × the clock (/proc/cpuinfo, or --ghz). The CPU columns \
            give the process CPU time per image (all threads), which a busy machine inflates \
            less than the wall time.

            The anchor is Benchmarks/anchors/efficientnet_torch.py, the plain-PyTorch reference \
            model with torch.set_num_threads(2), run with --python on the same machine; the \
            ratio is ours / PyTorch (below 1 is faster). Timings are noisy on a shared machine: \
            run it idle and quote medians.

            Example:
              sanitize-bench model --runs 30
            """)

    @Option(help: "Timed runs per measure (the median is reported), at least 3.")
    var runs = 20

    @Option(help: "Also time the forward pass at this batch size (per image), e.g. to choose the model's batch.")
    var batch: Int?

    @OptionGroup var anchorPython: AnchorOptions

    @Option(help: "The clock in GHz used for the peak GFLOP/s. Default: the first 'cpu MHz' of /proc/cpuinfo.")
    var ghz: Double?

    @Option(help: "The weights file (safetensors) to use instead of the installed one.")
    var weights: String?

    @Flag(help: "Also time each convolution on its own (batch 1), forward and input gradient.")
    var layers = false

    func validate() throws {
        guard runs >= 3 else { throw ValidationError("--runs must be at least 3, got \(runs)") }
        if let ghz, !(ghz > 0) { throw ValidationError("--ghz must be positive, got \(ghz)") }
        if let batch, batch < 1 { throw ValidationError("--batch must be at least 1, got \(batch)") }
    }

    func run() throws {
        let model = try EfficientNetLite(weights: weights, verifyChecksum: weights == nil)
        var generator = SystemRandomNumberGenerator()
        let images = (0..<8).map { _ in
            RGBImage(width: 224, height: 224, pixels: (0..<(3 * 224 * 224)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        let label = [Classification.top(1, of: try model.logits([images[0]])[0])[0].index]
        let one = [images[0]]

        let forward1 = try median { _ = try model.logits(one) }
        let forward8 = try median { _ = try model.logits(images) }
        let gradient1 = try median { _ = try model.logitsAndInputGradients(one, labels: label) }
        let measures: [(name: String, perImage: Double, cpu: Double, flopsFactor: Double, anchorKey: String)] = [
            ("forward, batch 1", forward1.wall, forward1.cpu, 1, "forward_b1_ms"),
            ("forward, batch 8", forward8.wall / 8, forward8.cpu / 8, 1, "forward_b8_ms_per_image"),
            ("forward + input gradient, batch 1", gradient1.wall, gradient1.cpu, 2, "forward_grad_b1_ms"),
        ]
        let anchors = anchorPython.interpreter().map(runAnchor) ?? [:]

        let machine = try MachinePeak.read(ghz: ghz)
        let cores = machine.cores, peak = machine.gflops
        let flops = model.variant.architecture.forwardFLOPs(height: 224, width: 224)
        print("EfficientNet-Lite0, 224×224, \(cores) cores, median of \(runs) runs; "
              + String(format: "%.3f GFLOP per forward; peak %.1f GFLOP/s", flops / 1e9, peak))
        print("measure".padding(36) + "ms/img".leftPad(9) + "GFLOP/s".leftPad(9) + "% peak".leftPad(8)
              + "PyTorch".leftPad(10) + "ratio".leftPad(7) + "CPU ms".leftPad(9) + "PyTorch".leftPad(9) + "ratio".leftPad(7))
        for measure in measures {
            let rate = flops * measure.flopsFactor / (measure.perImage / 1000) / 1e9
            var line = measure.name.padding(36) + String(format: "%9.2f%9.1f%7.1f%%", measure.perImage, rate, 100 * rate / peak)
            if let anchor = anchors[measure.anchorKey] {
                line += String(format: "%10.2f%7.2f", anchor, measure.perImage / anchor)
            } else {
                line += "       n/a    n/a"
            }
            line += String(format: "%9.2f", measure.cpu)
            if let anchor = anchors[measure.anchorKey + "_cpu"] {
                line += String(format: "%9.2f%7.2f", anchor, measure.cpu / anchor)
            } else {
                line += "      n/a    n/a"
            }
            print(line)
        }
        if let batch {
            let extra = (0..<batch).map { images[$0 % images.count] }
            model.maximumBatch = batch
            let timing = try median { _ = try model.logits(extra) }
            print("forward, batch \(batch)".padding(36) + String(format: "%9.2f", timing.wall / Double(batch))
                  + String(format: "   (CPU %.2f ms/img)", timing.cpu / Double(batch)))
            let streams = ProcessInfo.processInfo.activeProcessorCount
            let split = try median {
                DispatchQueue.concurrentPerform(iterations: streams) { s in
                    _ = try? model.logits(Array(extra[(s * batch / streams)..<((s + 1) * batch / streams)]))
                }
            }
            print("forward, \(streams) streams of batch \(batch / streams)".padding(36) + String(format: "%9.2f", split.wall / Double(batch))
                  + String(format: "   (CPU %.2f ms/img)", split.cpu / Double(batch)))
        }
        if layers { printLayers(model) }
        if anchors.isEmpty { print("(PyTorch anchor not measured)") }
    }

    /// Per-convolution medians at batch 1 and their sum, against a full pass.
    private func printLayers(_ model: EfficientNetLite) {
        let profile = ModelProfile.measure(model.fastPathProbe(batch: 1), runs: runs)
        print("\nper convolution, batch 1 (median ms): forward alone, GFLOP/s, forward within whole passes, input gradient")
        var forward = 0.0, inContext = 0.0, backward = 0.0
        for t in profile.layers {
            let g = t.geometry
            let shape = "\(g.height)×\(g.width)×\(g.inChannels)→\(g.outChannels) k\(g.kernelHeight) s\(g.strideY)"
            print(t.name.padding(20) + shape.padding(26)
                  + String(format: "%8.3f%8.1f%9.3f%9.3f", t.forwardMilliseconds, g.flops / t.forwardMilliseconds / 1e6,
                           t.inContextMilliseconds, t.backwardMilliseconds))
            forward += t.forwardMilliseconds
            inContext += t.inContextMilliseconds
            backward += t.backwardMilliseconds
        }
        print(String(format: "sum of convolutions: forward alone %.2f ms, within passes %.2f ms, input gradient %.2f ms",
                     forward, inContext, backward))
        print(String(format: "residual adds %.2f ms, pooling + classifier %.2f ms; whole forward pass %.2f ms",
                     profile.residualMilliseconds, profile.classifierMilliseconds, profile.forwardMilliseconds))
        print(String(format: "forward keeping activations %.2f ms, backward to the input %.2f ms",
                     profile.keepingForwardMilliseconds, profile.backwardMilliseconds))
        print("backward by step: " + profile.backwardSteps.map { String(format: "%@ %.2f ms", $0.step, $0.milliseconds) }
            .joined(separator: ", "))
    }

    /// The median wall time and process CPU time (all threads) of `body` in milliseconds over
    /// `runs` runs, after two warm-up runs.
    private func median(_ body: () throws -> Void) throws -> (wall: Double, cpu: Double) {
        try body()
        try body()
        var wall: [Double] = [], cpu: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds, startCPU = processCPUNanoseconds()
            try body()
            wall.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            cpu.append(Double(processCPUNanoseconds() - startCPU) / 1e6)
        }
        func middle(_ values: [Double]) -> Double {
            let v = values.sorted()
            return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
        }
        return (middle(wall), middle(cpu))
    }

    /// CPU time of the whole process (every thread), in nanoseconds.
    private func processCPUNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// Runs the PyTorch anchor script and reads its last line (JSON); empty on any failure, which
    /// is reported on stderr.
    private func runAnchor(python: String) -> [String: Double] {
        guard let text = PythonAnchor.run(python: python, script: "Benchmarks/anchors/efficientnet_torch.py",
                                          arguments: ["--runs", "\(runs)", "--json"]) else { return [:] }
        guard let last = text.split(separator: "\n").last,
              let object = try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Double] else {
            FileHandle.standardError.write(Data("warning: the PyTorch anchor printed no JSON line\n".utf8))
            return [:]
        }
        return object
    }
}

private extension String {
    /// Left-aligned in `width` characters.
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    /// Right-aligned in `width` characters.
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
