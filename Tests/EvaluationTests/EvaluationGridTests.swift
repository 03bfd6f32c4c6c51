import KVCaches
import Testing

@testable import Evaluation

/// `KVSettings.evaluationGrid`: what `--policies`, `--budgets` and `--strides` run.
struct EvaluationGridTests {
    @Test func fullFirstThenPolicyBudgetStride() throws {
        let grid = try KVSettings.evaluationGrid(
            policies: "full, recency,roco", budgets: "0.5,1,0.25", strides: "32,64", seed: 7)
        #expect(
            grid.map(\.label) == [
                "full", "recency@0.5/s32", "recency@0.5/s64", "recency@0.25/s32", "recency@0.25/s64", "roco@0.5/s32",
                "roco@0.5/s64", "roco@0.25/s32", "roco@0.25/s64",
            ])
        let roco = grid[5]
        #expect(
            roco.mode == .encoding && roco.budget == .fraction(0.5) && roco.stride == 32 && roco.policy == .roco
                && roco.seed == 7)
        #expect(grid[0].mode == .full && grid[0].stride == 32 && grid[0].seed == 7)
        #expect(grid[0].policyLabel == "full" && grid[0].promptFraction == 1)
        #expect(roco.policyLabel == "roco" && roco.promptFraction == 0.5)
        #expect(
            try KVSettings.evaluationGrid(policies: "h2o_head_std_avg", budgets: "0.5", strides: "8")[1].policy == .roco
        )
    }

    @Test func badListsAreErrorsNamingTheFlag() {
        #expect(
            throws: EvaluationError.invalidSetting(
                "--budgets: 2.0 is not a fraction of the prompt in (0, 1] (1 is the full cache)")
        ) {
            try KVSettings.evaluationGrid(policies: "roco", budgets: "0.5,2", strides: "8")
        }
        #expect(throws: EvaluationError.invalidSetting("--budgets: 'half' is not a number")) {
            try KVSettings.evaluationGrid(policies: "roco", budgets: "half", strides: "8")
        }
        #expect(throws: EvaluationError.invalidSetting("--budgets: 'nan' is not a number")) {
            try KVSettings.evaluationGrid(policies: "roco", budgets: "nan", strides: "8")
        }
        #expect(throws: EvaluationError.invalidSetting("--strides: 0 must be at least 1")) {
            try KVSettings.evaluationGrid(policies: "roco", budgets: "0.5", strides: "0")
        }
        #expect(
            throws: EvaluationError.invalidSetting(
                "--policies: h2o_head_decay_avg_std evicts generated tokens only (decoding mode); evaluations compress the prompt"
            )
        ) {
            try KVSettings.evaluationGrid(policies: "roco,h2o_head_decay_avg_std", budgets: "0.5", strides: "8")
        }
        do {
            _ = try KVSettings.evaluationGrid(policies: "roco,lru", budgets: "0.5", strides: "8")
            Issue.record("an unknown policy was accepted")
        } catch {
            #expect(error.description.hasPrefix("--policies: ") && error.description.contains("lru"))
        }
    }
}
