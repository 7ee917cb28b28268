import Imaging

/// The two threats that differentiate through ``DifferentiableJPEG`` at the evaluated quality:
///
/// - `bpda-diffjpeg`: forward through the real libjpeg and the model; backward through the
///   differentiable JPEG's pullback at the iterate.
/// - `diffjpeg` (Shin and Song 2017): forward and backward through the differentiable JPEG and
///   the model; the result is still scored through the real codec.
public struct DifferentiableJPEGThreat: Threat {
    /// `bpda-diffjpeg` or `diffjpeg`.
    public let name: String
    /// The model.
    public let model: any Classifier
    /// The differentiable JPEG at the evaluated quality.
    public let jpeg: DifferentiableJPEG
    /// Whether the forward runs the real codec (`bpda-diffjpeg`) or the differentiable one.
    public let realForward: Bool
    /// Both forwards round their input to 8 bits first.
    public var roundsItsInput: Bool { true }

    /// `bpda-diffjpeg` at JPEG quality `quality`.
    public static func bpda(model: any Classifier, quality: Int) -> DifferentiableJPEGThreat {
        DifferentiableJPEGThreat(name: "bpda-diffjpeg", model: model, jpeg: DifferentiableJPEG(quality: quality), realForward: true)
    }

    /// `diffjpeg` at JPEG quality `quality`, with the given rounding of the quantiser.
    public static func differentiable(model: any Classifier, quality: Int,
                                      rounding: DifferentiableJPEG.Rounding = .straightThrough) -> DifferentiableJPEGThreat {
        DifferentiableJPEGThreat(name: "diffjpeg", model: model, jpeg: DifferentiableJPEG(quality: quality, rounding: rounding),
                                 realForward: false)
    }

    public func lossGradient(_ x: FloatImage, loss: any Loss, target: LossTarget) throws -> LossGradient {
        let seen: FloatImage
        if realForward {
            let setting = try CodecSetting(codec: .jpeg, quality: jpeg.quality)
            seen = FloatImage(try roundTrip(x.rounded(), setting).decoded)
        } else {
            seen = FloatImage(width: x.width, height: x.height, pixels: jpeg.forward(x.pixels, width: x.width, height: x.height))
        }
        var result = try model.lossGradient(seen, loss: loss, target: target)
        result.gradient = jpeg.pullback(x.pixels, width: x.width, height: x.height, outputGradient: result.gradient)
        return result
    }
}
