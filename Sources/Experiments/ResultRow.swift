import _Support

/// How an adversarial image was made: the model attacked, the attack, its loss and threat model,
/// and the attack's settings. Part of every row's key, so rows of different attacks never mix.
public struct AttackRecipe: Hashable, Sendable {
    /// The attacked model, e.g. `efficientnet-lite0`.
    public var model: String
    /// The attack, e.g. `fgsm`.
    public var attack: String
    /// The loss the attack ascends, e.g. `ce` (cross-entropy on the label).
    public var loss: String
    /// What the attacker knows of the defence, e.g. `oblivious` (the model only).
    public var threat: String
    /// Gradient steps (1 for FGSM).
    public var steps: Int
    /// Random restarts (1 for FGSM).
    public var restarts: Int
    /// The random seed (0 when the attack uses none).
    public var seed: Int

    /// Memberwise.
    public init(model: String, attack: String, loss: String, threat: String, steps: Int, restarts: Int, seed: Int) {
        self.model = model; self.attack = attack; self.loss = loss; self.threat = threat
        self.steps = steps; self.restarts = restarts; self.seed = seed
    }

    /// Untargeted FGSM on the cross-entropy of the label, by an attacker who ignores the codec.
    public static func obliviousFGSM(model: String) -> AttackRecipe {
        AttackRecipe(model: model, attack: "fgsm", loss: "ce", threat: "oblivious", steps: 1, restarts: 1, seed: 0)
    }
}

/// One row of the results CSV, results format 2 (docs/protocol.md §6): one image × attack × eps ×
/// codec setting.
public struct ResultRow: Equatable, Sendable {
    /// The columns, in order.
    public static let columns = [
        "image", "image_sha256", "model", "attack", "loss", "threat", "steps", "restarts", "seed",
        "eps", "codec", "quality", "label", "bytes", "bpp", "pred", "confidence", "correct",
        "signed_confidence", "msssim", "psnr",
    ]
    /// The columns of results format 1, recognised only to refuse such files with a way forward.
    public static let formatOneColumns = [
        "image", "label", "eps", "codec", "quality", "bytes", "bpp", "pred", "confidence", "correct",
        "signed_confidence", "msssim", "psnr",
    ]

    /// The image: its path as given, or the folder joined with the file's name for folder inputs.
    public var image: String
    /// SHA-256 of the image file's bytes (64 hex digits): with the name, an identity that cannot collide.
    public var imageSHA256: String
    /// How the adversarial image was made.
    public var recipe: AttackRecipe
    /// The attack budget in 8-bit levels.
    public var eps: Int
    /// The codec's name (`none`, `jpeg`, `webp`, `jpeg2000`).
    public var codec: String
    /// The codec parameter: quality for jpeg/webp, the compression ratio for jpeg2000, 0 for none.
    public var quality: Int
    /// The attacked label y: the ground truth if given, else the clean top-1 prediction.
    public var label: Int
    /// The encoded size in bytes (3·W·H for `none`).
    public var bytes: Int
    /// Bits per pixel, 8 · bytes / (W · H).
    public var bpp: Double
    /// The top-1 prediction on what the classifier saw.
    public var pred: Int
    /// Its softmax probability.
    public var confidence: Double
    /// MS-SSIM of what the classifier saw against the clean image x0.
    public var msssim: Double
    /// PSNR in dB (peak 255) of what the classifier saw against x0; `inf` when identical.
    public var psnr: Double

    /// Memberwise.
    public init(image: String, imageSHA256: String, recipe: AttackRecipe, eps: Int, codec: String, quality: Int,
                label: Int, bytes: Int, bpp: Double, pred: Int, confidence: Double, msssim: Double, psnr: Double) {
        self.image = image; self.imageSHA256 = imageSHA256; self.recipe = recipe
        self.eps = eps; self.codec = codec; self.quality = quality; self.label = label
        self.bytes = bytes; self.bpp = bpp; self.pred = pred; self.confidence = confidence
        self.msssim = msssim; self.psnr = psnr
    }

    /// Whether the prediction equals the attacked label.
    public var correct: Bool { pred == label }
    /// `+confidence` when correct, `−confidence` when not.
    public var signedConfidence: Double { correct ? confidence : -confidence }
    /// The row's key: `--resume` skips rows whose key is present.
    public var key: SweepKey {
        SweepKey(image: ImageIdentity(name: image, sha256: imageSHA256), recipe: recipe, eps: eps, codec: codec, quality: quality)
    }

    /// The row's fields, in column order; floats have up to 6 significant digits.
    public var fields: [String] {
        [image, imageSHA256, recipe.model, recipe.attack, recipe.loss, recipe.threat, String(recipe.steps),
         String(recipe.restarts), String(recipe.seed), String(eps), codec, String(quality), String(label),
         String(bytes), CSVText.number(bpp), String(pred), CSVText.number(confidence), correct ? "1" : "0",
         CSVText.number(signedConfidence), CSVText.number(msssim), CSVText.number(psnr)]
    }

    /// Parses one record of a results file; nil when it is not a complete, consistent row.
    public init?(fields f: [String]) {
        guard f.count == Self.columns.count, f[1].count == 64,
              let steps = Int(f[6]), let restarts = Int(f[7]), let seed = Int(f[8]),
              let eps = Int(f[9]), let quality = Int(f[11]), let label = Int(f[12]),
              let bytes = Int(f[13]), let bpp = Double(f[14]), let pred = Int(f[15]),
              let confidence = Double(f[16]), let msssim = Double(f[19]), let psnr = Double(f[20]),
              f[17] == ((pred == label) ? "1" : "0")
        else { return nil }
        self.init(image: f[0], imageSHA256: f[1],
                  recipe: AttackRecipe(model: f[2], attack: f[3], loss: f[4], threat: f[5], steps: steps,
                                       restarts: restarts, seed: seed),
                  eps: eps, codec: f[10], quality: quality, label: label, bytes: bytes, bpp: bpp, pred: pred,
                  confidence: confidence, msssim: msssim, psnr: psnr)
    }
}

/// An image of a sweep: its name and the SHA-256 of its bytes.
public struct ImageIdentity: Hashable, Sendable {
    /// The name in the `image` column.
    public var name: String
    /// SHA-256 of the file's bytes, 64 hex digits.
    public var sha256: String

    /// Memberwise.
    public init(name: String, sha256: String) {
        self.name = name
        self.sha256 = sha256
    }
}

/// What identifies a row of a sweep: image identity, attack recipe, eps and codec setting.
public struct SweepKey: Hashable, Sendable {
    /// The image.
    public var image: ImageIdentity
    /// How it was attacked.
    public var recipe: AttackRecipe
    /// The budget in levels.
    public var eps: Int
    /// The codec name.
    public var codec: String
    /// The codec parameter.
    public var quality: Int

    /// Memberwise.
    public init(image: ImageIdentity, recipe: AttackRecipe, eps: Int, codec: String, quality: Int) {
        self.image = image; self.recipe = recipe; self.eps = eps; self.codec = codec; self.quality = quality
    }

    /// `image eps 4 jpeg:50 (fgsm, oblivious)`, for messages.
    public var description: String {
        "\(PlatformPath.display(image.name)) eps \(eps) \(codec):\(quality) (\(recipe.attack), \(recipe.threat))"
    }
}
