import Foundation
import Testing

@testable import BatchPipeline

/// Issue 16 item 2: YAML nested deeply enough to overflow Yams's recursive composer is refused
/// before it is parsed, in the file and in `--set` values; ordinary nesting, and brackets or
/// indentation inside text, are not counted.
@Suite struct YAMLNestingTests {
    func parse(_ yaml: String, _ overrides: [String] = []) throws -> PipelineSpec {
        try PipelineSpec.parse(yaml: yaml, origin: "p.yaml", overrides: overrides.map { try SpecOverride(parsing: $0) })
    }

    func message(_ yaml: String, _ overrides: [String] = []) -> String {
        do {
            _ = try parse(yaml, overrides)
            return "parsed"
        } catch {
            return "\(error)"
        }
    }

    /// `levels` block mappings, each indented one more space.
    static func blockLevels(_ levels: Int) -> String {
        var text = "task: summarize\nx:\n"
        for i in 0..<levels { text += String(repeating: " ", count: i + 1) + "k\(i):\n" }
        return text
    }

    @Test func tenThousandBracketsAreRefused() {
        let text = "task: summarize\nquestions: " + String(repeating: "[", count: 10_000)
        #expect(message(text) == "p.yaml: line 2 nests deeper than 64 levels (a pipeline file needs 4)")
    }

    @Test func fiveThousandBlockLevelsAreRefused() {
        // Line 1 is `task`, line 2 `x:` (level 1); `k63` on line 66 is level 65.
        #expect(
            message(Self.blockLevels(5_000)) == "p.yaml: line 66 nests deeper than 64 levels (a pipeline file needs 4)")
    }

    @Test func nestedEntryMarkersAreCounted() {
        let text = "questions:\n" + String(repeating: "- ", count: 100) + "x\n"
        #expect(YAMLNesting.lineBeyondLimit(in: text) == 2)
    }

    @Test func tagsAndAnchorsDoNotHideAFlowCollection() {
        let text = "questions: !!seq &a " + String(repeating: "[", count: 200)
        #expect(YAMLNesting.lineBeyondLimit(in: text) == 1)
    }

    @Test func deepOverridesAreRefusedNamingTheFlag() {
        let value = String(repeating: "[", count: 10_000)
        #expect(message("task: summarize", ["questions=" + value]).hasPrefix("--set questions=[[[["))
        #expect(
            message("task: summarize", ["questions=" + value]).hasSuffix(
                "questions: the value nests deeper than 64 levels"))
        let longKey = Array(repeating: "a", count: 10_000).joined(separator: ".")
        #expect(message("", [longKey + "=1"]).hasSuffix("the key has 10000 parts; keys have at most 16"))
    }

    @Test func textIsNotNesting() throws {
        // Brackets inside quoted and plain text, and a block scalar whose lines are indented
        // deeper and deeper (code in a prompt): none of it is nesting.
        var prompt = "prompt:\n  user: |\n    {document}\n"
        for i in 0..<200 { prompt += String(repeating: " ", count: 4 + i) + "line \(i) [[[ {{{\n" }
        let yaml =
            prompt
            + "  system: \"" + String(repeating: "[", count: 100) + "\"\n"
            + "questions: ['" + String(repeating: "{", count: 100) + "', 'it''s [', \"a ]]\"]\n"
            + "generation: {stop: [\"]]]\", '[[['], max_tokens: 8}\n"
        #expect(YAMLNesting.lineBeyondLimit(in: yaml) == nil)
        let spec = try parse(yaml)
        #expect(spec.prompt.user.hasPrefix("{document}\nline 0 [[[ {{{\n line 1"))
        #expect(spec.generation.stop == ["]]]", "[[["])
        #expect(spec.questions.count == 3)
    }

    @Test func sixtyFourLevelsAreAllowed() {
        #expect(YAMLNesting.lineBeyondLimit(in: Self.blockLevels(63)) == nil)
        #expect(YAMLNesting.lineBeyondLimit(in: Self.blockLevels(64)) == 66)
        // The line's own block level counts too.
        #expect(YAMLNesting.lineBeyondLimit(in: String(repeating: "[", count: 63)) == nil)
        #expect(YAMLNesting.lineBeyondLimit(in: String(repeating: "[", count: 64)) == 1)
    }
}
