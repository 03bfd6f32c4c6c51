/// Precision, recall and F1 of one ROUGE measure.
public struct RougeScore: Sendable, Equatable, Codable {
    public var precision: Double
    public var recall: Double
    public var f1: Double

    public static let zero = RougeScore(precision: 0, recall: 0, f1: 0)

    public init(precision: Double, recall: Double, f1: Double) {
        self.precision = precision
        self.recall = recall
        self.f1 = f1
    }

    /// F1 from precision and recall; 0 when both are 0 (`rouge_score.scoring.fmeasure`).
    init(precision: Double, recall: Double) {
        self.init(
            precision: precision, recall: recall,
            f1: precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0)
    }
}

/// ROUGE-N, ROUGE-L and ROUGE-Lsum of a prediction against a target (a reference), computed as
/// the PyPI `rouge-score` package computes them (`rouge_score/rouge_scorer.py`, a
/// reimplementation of Lin's ROUGE-1.5.5; Lin 2004, "ROUGE: A Package for Automatic Evaluation
/// of Summaries"). Checked against that package on committed fixtures.
public struct Rouge: Sendable {
    public var tokenizer: RougeTokenizer

    public init(usesStemmer: Bool = false) { tokenizer = RougeTokenizer(usesStemmer: usesStemmer) }

    /// ROUGE-N: clipped n-gram overlap. Precision divides by the prediction's n-gram count and
    /// recall by the target's, each at least 1.
    public func rougeN(_ n: Int, target: String, prediction: String) -> RougeScore {
        Self.ngramScore(n, target: tokenizer.tokens(target), prediction: tokenizer.tokens(prediction))
    }

    /// ROUGE-L: the longest common subsequence of the two token sequences.
    public func rougeL(target: String, prediction: String) -> RougeScore {
        Self.lcsScore(target: tokenizer.tokens(target), prediction: tokenizer.tokens(prediction))
    }

    /// ROUGE-Lsum: summary-level LCS over sentences, one per line (`split_summaries=False`).
    public func rougeLsum(target: String, prediction: String) -> RougeScore {
        // Split on the byte 0x0A, as Python's `split("\n")`: a Swift `Character` split would keep
        // "\r\n" (one grapheme) whole.
        func sentences(_ text: String) -> [[String]] {
            text.utf8.split(separator: 0x0A).map { tokenizer.tokens(String(decoding: $0, as: UTF8.self)) }
        }
        return Self.summaryLevelLCS(target: sentences(target), prediction: sentences(prediction))
    }

    /// ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum together.
    public func scores(target: String, prediction: String) -> RougeScores {
        let t = tokenizer.tokens(target)
        let p = tokenizer.tokens(prediction)
        return RougeScores(
            rouge1: Self.ngramScore(1, target: t, prediction: p), rouge2: Self.ngramScore(2, target: t, prediction: p),
            rougeL: Self.lcsScore(target: t, prediction: p),
            rougeLsum: rougeLsum(target: target, prediction: prediction))
    }

    // MARK: Token-level measures

    static func ngramScore(_ n: Int, target: [String], prediction: [String]) -> RougeScore {
        func counts(_ tokens: [String]) -> [ArraySlice<String>: Int] {
            var out: [ArraySlice<String>: Int] = [:]
            if tokens.count >= n {
                for i in 0...(tokens.count - n) { out[tokens[i..<(i + n)], default: 0] += 1 }
            }
            return out
        }
        let t = counts(target)
        let p = counts(prediction)
        let overlap = t.reduce(0) { $0 + min($1.value, p[$1.key] ?? 0) }
        let precision = Double(overlap) / Double(max(p.values.reduce(0, +), 1))
        let recall = Double(overlap) / Double(max(t.values.reduce(0, +), 1))
        return RougeScore(precision: precision, recall: recall)
    }

    static func lcsScore(target: [String], prediction: [String]) -> RougeScore {
        guard !target.isEmpty, !prediction.isEmpty else { return .zero }
        let length = lcsLength(target, prediction)
        return RougeScore(
            precision: Double(length) / Double(prediction.count), recall: Double(length) / Double(target.count))
    }

    /// Length of the longest common subsequence, in O(min) memory.
    public static func lcsLength<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        var previous = [Int](repeating: 0, count: b.count + 1)
        var current = previous
        for x in a {
            for (j, y) in b.enumerated() {
                current[j + 1] = x == y ? previous[j] + 1 : max(previous[j + 1], current[j])
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// The full LCS table, `table[i][j]` = LCS of `a[..<i]` and `b[..<j]`.
    static func lcsTable<T: Equatable>(_ a: [T], _ b: [T]) -> [[Int]] {
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in a.indices {
            for j in b.indices {
                table[i + 1][j + 1] = a[i] == b[j] ? table[i][j] + 1 : max(table[i][j + 1], table[i + 1][j])
            }
        }
        return table
    }

    /// Indices into `reference` of one LCS with `candidate`, read back from the table exactly as
    /// `rouge_score._backtrack_norec` does (on ties it moves up in `reference`), because the
    /// union in ROUGE-Lsum depends on which LCS is chosen.
    static func lcsIndices(_ reference: [String], _ candidate: [String]) -> [Int] {
        let t = lcsTable(reference, candidate)
        var i = reference.count
        var j = candidate.count
        var out: [Int] = []
        while i > 0, j > 0 {
            if reference[i - 1] == candidate[j - 1] {
                out.append(i - 1)
                i -= 1
                j -= 1
            } else if t[i][j - 1] > t[i - 1][j] {
                j -= 1
            } else {
                i -= 1
            }
        }
        return out.reversed()
    }

    /// Summary-level LCS (Lin 2004 §3.2): for each reference sentence, the union of its LCS
    /// with every candidate sentence; hits are counted without reusing a token more often than
    /// it occurs on either side (as ROUGE-1.5.5 and `rouge-score` do).
    static func summaryLevelLCS(target: [[String]], prediction: [[String]]) -> RougeScore {
        let m = target.reduce(0) { $0 + $1.count }
        let n = prediction.reduce(0) { $0 + $1.count }
        guard !target.isEmpty, !prediction.isEmpty, m > 0, n > 0 else { return .zero }
        var targetCounts: [String: Int] = [:]
        var predictionCounts: [String: Int] = [:]
        for s in target { for t in s { targetCounts[t, default: 0] += 1 } }
        for s in prediction { for t in s { predictionCounts[t, default: 0] += 1 } }
        var hits = 0
        for sentence in target {
            var union = Set<Int>()
            for candidate in prediction { union.formUnion(lcsIndices(sentence, candidate)) }
            for index in union.sorted() {
                let token = sentence[index]
                if let c = predictionCounts[token], c > 0, let r = targetCounts[token], r > 0 {
                    hits += 1
                    predictionCounts[token] = c - 1
                    targetCounts[token] = r - 1
                }
            }
        }
        return RougeScore(precision: Double(hits) / Double(n), recall: Double(hits) / Double(m))
    }
}

/// The four ROUGE measures of one prediction.
public struct RougeScores: Sendable, Equatable, Codable {
    public var rouge1: RougeScore
    public var rouge2: RougeScore
    public var rougeL: RougeScore
    public var rougeLsum: RougeScore

    enum CodingKeys: String, CodingKey {
        case rouge1 = "rouge_1"
        case rouge2 = "rouge_2"
        case rougeL = "rouge_l"
        case rougeLsum = "rouge_lsum"
    }
}
