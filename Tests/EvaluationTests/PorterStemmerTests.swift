import Testing

@testable import Evaluation

struct PorterStemmerFixtures: Decodable {
    var stems: [[String]]
    static let all: [[String]] =
        (try? EvaluationFixtures.json("porter_stems.json", as: PorterStemmerFixtures.self))?.stems ?? []
}

struct PorterStemmerTests {
    @Test func matchesNLTKOnEveryFixtureWord() {
        let stems = PorterStemmerFixtures.all
        #expect(stems.count > 2000)
        var wrong: [String] = []
        for pair in stems where pair.count == 2 && PorterStemmer.stem(pair[0]) != pair[1] {
            wrong.append("\(pair[0]) → \(PorterStemmer.stem(pair[0])), nltk \(pair[1])")
        }
        #expect(wrong.isEmpty, "\(wrong.count) words differ: \(wrong.prefix(20))")
    }

    @Test func paperExamples() {
        let cases = [
            ("caresses", "caress"), ("ponies", "poni"), ("ties", "tie"), ("motoring", "motor"), ("hopping", "hop"),
            ("filing", "file"), ("relational", "relat"), ("generalization", "gener"), ("controll", "control"),
            ("happy", "happi"), ("dying", "die"), ("enjoy", "enjoy"),
        ]
        for (word, stem) in cases { #expect(PorterStemmer.stem(word) == stem, "\(word)") }
    }

    @Test func measure() {
        func m(_ s: String) -> Int { PorterStemmer.measure(Array(s.utf8)) }
        #expect(m("tr") == 0 && m("tree") == 0 && m("by") == 0)
        #expect(m("trouble") == 1 && m("oats") == 1 && m("ivy") == 1)
        #expect(m("troubles") == 2 && m("private") == 2 && m("orrery") == 2)
    }
}
