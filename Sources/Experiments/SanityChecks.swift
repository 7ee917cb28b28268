/// Carlini et al. (2019)'s sanity checks on a summary, as sentences naming the cells that fail
/// them. An empty list means every check that the summary has the rows for passed.
///
/// - `worst` is at most every other threat in each cell (model × eps × setting);
/// - accuracy does not rise from one eps to the next, per recipe and setting;
/// - PGD `bpda` is at most FGSM `bpda`, per eps and setting;
/// - at eps 255, `bpda` reaches 0%.
public enum SanityChecks {
    /// The failed checks of `summary`, one sentence each.
    public static func violations(_ summary: [SummaryRow]) -> [String] {
        var out: [String] = []
        func cell(_ r: SummaryRow) -> String { "eps \(r.eps) \(r.setting)" }
        for w in summary where w.recipe.threat == "worst" {
            for r in summary where r.recipe.threat != "worst" && r.recipe.model == w.recipe.model && r.eps == w.eps
                && r.codec == w.codec && r.quality == w.quality && r.accuracy < w.accuracy {
                out.append("worst (\(percent(w.accuracy))) is above \(r.recipe.attack) \(r.recipe.threat) (\(percent(r.accuracy))) at \(cell(w))")
            }
        }
        for r in summary {
            let next = summary.filter { $0.recipe == r.recipe && $0.codec == r.codec && $0.quality == r.quality && $0.eps > r.eps }
                .min { $0.eps < $1.eps }
            if let s = next, s.accuracy > r.accuracy + 1e-9 {
                out.append("\(r.recipe.attack) \(r.recipe.threat) at \(r.setting): accuracy rises from \(percent(r.accuracy)) at eps \(r.eps) to \(percent(s.accuracy)) at eps \(s.eps)")
            }
        }
        for p in summary where p.recipe.attack == "pgd" && p.recipe.threat == "bpda" {
            for f in summary where f.recipe.attack == "fgsm" && f.recipe.threat == "bpda" && f.recipe.model == p.recipe.model
                && f.eps == p.eps && f.codec == p.codec && f.quality == p.quality && p.accuracy > f.accuracy + 1e-9 {
                out.append("PGD bpda (\(percent(p.accuracy))) is above FGSM bpda (\(percent(f.accuracy))) at \(cell(p))")
            }
        }
        for r in summary where r.recipe.threat == "bpda" && r.eps == 255 && r.accuracy > 0 {
            out.append("\(r.recipe.attack) bpda keeps \(percent(r.accuracy)) at eps 255 \(r.setting)")
        }
        return out
    }

    private static func percent(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }
}
