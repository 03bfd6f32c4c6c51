/// Smoothing of per-slot scores over neighbouring slots, as SnapKV pools its observation
/// window's attention (arXiv 2404.14469, `pooling` with `kernel_size`): a token next to an
/// important one (the digits around "pass key") is kept with it. Slots are in position order,
/// so neighbouring slots are the nearest kept positions.
public struct ScorePooling: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case max, mean
    }

    public var kind: Kind
    /// Window width, odd: the slot and `kernel / 2` on each side (clipped at the ends; the mean
    /// divides by the slots inside, unlike torch's zero padding).
    public var kernel: Int

    public init(_ kind: Kind, kernel: Int) {
        precondition(kernel >= 1 && kernel % 2 == 1, "pooling kernel must be odd")
        self.kind = kind
        self.kernel = kernel
    }

    /// `output[j]` = max or mean of `input[j − kernel/2 ... j + kernel/2]` within `0..<count`.
    public func apply(_ input: UnsafePointer<Float>, count: Int, into output: UnsafeMutablePointer<Float>) {
        let r = kernel / 2
        for j in 0..<count {
            let lo = max(0, j - r)
            let hi = min(count, j + r + 1)
            switch kind {
            case .max:
                var m = input[lo]
                for t in (lo + 1)..<hi { m = Swift.max(m, input[t]) }
                output[j] = m
            case .mean:
                var s: Float = 0
                for t in lo..<hi { s += input[t] }
                output[j] = s / Float(hi - lo)
            }
        }
    }
}
