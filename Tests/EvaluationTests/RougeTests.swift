import Foundation
import Testing

@testable import Evaluation

/// One pair scored by the PyPI `rouge-score` package (tools/reference/make_rouge_fixtures.py).
struct RougeFixtureCase: Decodable, CustomTestStringConvertible {
    var target: String
    var prediction: String
    var usesStemmer: Bool
    var targetTokens: [String]
    var scores: [String: [Double]]

    enum CodingKeys: String, CodingKey {
        case target, prediction, scores
        case usesStemmer = "use_stemmer"
        case targetTokens = "target_tokens"
    }

    var testDescription: String { "\(usesStemmer ? "stemmed " : "")\(target.prefix(30).debugDescription)" }
}

struct RougeFixtures: Decodable {
    var cases: [RougeFixtureCase]
    static let all: [RougeFixtureCase] =
        (try? EvaluationFixtures.json("rouge_scores.json", as: RougeFixtures.self))?.cases ?? []
}

struct RougeTests {
    static let tolerance = 1e-12

    @Test func fixturesAreLoaded() {
        // 218 pairs, each with and without the stemmer.
        #expect(RougeFixtures.all.count == 436)
    }

    @Test(arguments: RougeFixtures.all)
    func matchesRougeScore(_ c: RougeFixtureCase) {
        let rouge = Rouge(usesStemmer: c.usesStemmer)
        #expect(rouge.tokenizer.tokens(c.target) == c.targetTokens)
        let got = rouge.scores(target: c.target, prediction: c.prediction)
        let pairs: [(String, RougeScore)] = [
            ("rouge1", got.rouge1), ("rouge2", got.rouge2), ("rougeL", got.rougeL), ("rougeLsum", got.rougeLsum),
        ]
        for (name, score) in pairs {
            guard let want = c.scores[name], want.count == 3 else {
                Issue.record("fixture lacks \(name)")
                continue
            }
            #expect(abs(score.precision - want[0]) <= Self.tolerance, "\(name) precision")
            #expect(abs(score.recall - want[1]) <= Self.tolerance, "\(name) recall")
            #expect(abs(score.f1 - want[2]) <= Self.tolerance, "\(name) f1")
        }
    }

    @Test func handComputedExample() {
        // target: the cat sat on the mat (6), prediction: the cat on mat (4):
        // LCS = 4 → P = 1, R = 4/6, F = 0.8; bigrams: "the cat" shared of 3 predicted, 5 target.
        let r = Rouge()
        let l = r.rougeL(target: "The cat sat on the mat.", prediction: "the cat on mat")
        #expect(l.precision == 1 && abs(l.recall - 4.0 / 6) < 1e-15 && abs(l.f1 - 0.8) < 1e-15)
        let two = r.rougeN(2, target: "The cat sat on the mat.", prediction: "the cat on mat")
        #expect(abs(two.precision - 1.0 / 3) < 1e-15 && abs(two.recall - 1.0 / 5) < 1e-15)
    }

    @Test func lcsLengthMatchesTable() {
        let a = Array("ABCBDAB")
        let b = Array("BDCABA")
        #expect(Rouge.lcsLength(a, b) == 4)
        #expect(Rouge.lcsTable(a, b)[a.count][b.count] == 4)
        #expect(Rouge.lcsLength([Int](), [1]) == 0)
    }
}
