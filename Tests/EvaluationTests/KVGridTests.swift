import KVCaches
import Testing

@testable import Evaluation

struct KVGridTests {
    @Test func fullFirstThenPolicyBudgetStride() throws {
        let grid = try KVGrid(policies: "full, recency,roco", budgets: "0.5,1,0.25", strides: "32,64")
        #expect(
            grid.configurations.map(\.description) == [
                "full", "recency@0.5/s32", "recency@0.5/s64", "recency@0.25/s32", "recency@0.25/s64", "roco@0.5/s32",
                "roco@0.5/s64",
                "roco@0.25/s32", "roco@0.25/s64",
            ])
        let roco = grid.configurations[5].settings(seed: 7)
        #expect(
            roco.mode == .encoding && roco.budget == .fraction(0.5) && roco.stride == 32 && roco.policy == .roco
                && roco.seed == 7)
        #expect(grid.configurations[0].settings(seed: 7).mode == .full)
        #expect(try KVGrid(policies: "h2o_head_std_avg", budgets: "0.5", strides: "8").policies == [.roco])
    }

    @Test func badListsAreErrorsNamingTheFlag() {
        #expect(
            throws: EvaluationError.invalidSetting(
                "--budgets: 2.0 is not a fraction of the prompt in (0, 1] (1 is the full cache)")
        ) {
            try KVGrid(policies: "roco", budgets: "0.5,2", strides: "8")
        }
        #expect(throws: EvaluationError.invalidSetting("--budgets: 'half' is not a number")) {
            try KVGrid(policies: "roco", budgets: "half", strides: "8")
        }
        #expect(throws: EvaluationError.invalidSetting("--strides: 0 must be at least 1")) {
            try KVGrid(policies: "roco", budgets: "0.5", strides: "0")
        }
        #expect(
            throws: EvaluationError.invalidSetting(
                "--policies: h2o_head_decay_avg_std evicts generated tokens only (decoding mode); evaluations compress the prompt"
            )
        ) {
            try KVGrid(policies: "roco,h2o_head_decay_avg_std", budgets: "0.5", strides: "8")
        }
        do {
            _ = try KVGrid(policies: "roco,lru", budgets: "0.5", strides: "8")
            Issue.record("an unknown policy was accepted")
        } catch {
            #expect(error.description.hasPrefix("--policies: ") && error.description.contains("lru"))
        }
    }
}
